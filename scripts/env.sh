# Sourced by every project script: puts Node >= 22 and the project's binaries first on PATH.
# The system node may be older (20 here); then the project-local Node 24 from tools/ is used.
SHENNONG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SHENNONG_ROOT
shennong_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -x "$SHENNONG_ROOT/tools/node_modules/.bin/node" ]; then
  PATH="$SHENNONG_ROOT/tools/node_modules/.bin:$PATH"
fi
PATH="$SHENNONG_ROOT/node_modules/.bin:$PATH"
export PATH
