#!/usr/bin/env bash
# Rebuilds eng/packages/librdkafka.redist.1.9.2.nupkg (a zip holding only the nuspec).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python3 - "$here" <<'PY'
import sys, zipfile, os
here = sys.argv[1]
out = os.path.join(here, '..', 'packages', 'librdkafka.redist.1.9.2.nupkg')
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    z.write(os.path.join(here, 'librdkafka.redist.nuspec'), 'librdkafka.redist.nuspec')
PY
