// Point in polygon by ray casting (even-odd rule) on [lon, lat] degrees: exact enough for fishing
// zones and ports of tens of kilometres; not for polygons crossing the antimeridian or a pole.
export type Polygon = ReadonlyArray<readonly [number, number]>

export function insidePolygon (lon: number, lat: number, polygon: Polygon): boolean {
  let inside = false
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]
    const [xj, yj] = polygon[j]
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

export function insideAny<A extends { polygon: Polygon }> (lon: number, lat: number, areas: readonly A[]): A | undefined {
  return areas.find(a => insidePolygon(lon, lat, a.polygon))
}
