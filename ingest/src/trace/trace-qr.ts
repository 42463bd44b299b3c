// A QR code (ISO/IEC 18004, via the `qrcode` package) as SVG, linking to a batch's public page.
import QRCode from 'qrcode'

export async function formatQrSvg (url: string): Promise<string> {
  return await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
}
