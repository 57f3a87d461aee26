#!/bin/sh
# Re-fetches the Leaflet release the map page serves (src/queue/web/static/leaflet/) from
# the npm registry, checks the tarball against the integrity hash recorded below (the
# registry's `dist.integrity`), and copies its dist files and LICENSE into the repository.
# The build never needs the network: the files are committed; run this only to upgrade
# (change VERSION and INTEGRITY together, from `npm view leaflet@<v> dist.integrity`).
#
#     sh scripts/vendor-leaflet.sh
set -eu

VERSION=1.9.4
INTEGRITY=sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/src/queue/web/static/leaflet"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "leaflet@$VERSION" >/dev/null
tarball="leaflet-$VERSION.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
    echo "integrity mismatch for leaflet@$VERSION:" >&2
    echo "  expected $INTEGRITY" >&2
    echo "  got      $actual" >&2
    exit 1
fi
tar -xzf "$tarball"

rm -rf "$dest"
mkdir -p "$dest/images"
cp package/dist/leaflet.js package/dist/leaflet.css package/LICENSE "$dest/"
cp package/dist/images/*.png "$dest/images/"
echo "$VERSION $INTEGRITY" > "$dest/VERSION"
echo "leaflet@$VERSION vendored into ${dest#"$root"/}"
