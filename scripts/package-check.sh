#!/usr/bin/env bash
# The packaging check (run by scripts/test): the metadata of every platform agrees, the
# desktop entry and AppStream metainfo validate, and the .deb builds, holds what it
# should, unpacks (dpkg -x) into a temporary root whose `roster` runs.
#
# CI builds the .deb from the `ci-deb` profile: the release profile's panic and strip
# behaviour without the optimiser (LTO alone adds 10+ minutes on 2 cores). A real
# release is `cargo deb --profile release --no-strip` (see packaging/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

step() { printf '\n== package-check: %s\n' "$*"; }
fail() { echo "package-check: $*" >&2; exit 1; }

CARGO_DEB_VERSION=3.8.0
APP_ID=org.roster.Roster

packages=(desktop-file-utils appstream dpkg binutils)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    step "installing system packages: ${missing[*]}"
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        fail "missing system packages: ${missing[*]} (as root: apt-get install -y ${missing[*]})"
    fi
fi
if ! cargo deb --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then
    step "installing cargo-deb $CARGO_DEB_VERSION"
    if command -v cargo-binstall >/dev/null; then
        cargo binstall -y --locked "cargo-deb@$CARGO_DEB_VERSION"
    else
        cargo install --locked --version "$CARGO_DEB_VERSION" cargo-deb
    fi
fi

step "one name, version, identifier and icon on every platform"
version=$(cargo metadata --no-deps --format-version 1 --locked |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "roster"))')
echo "roster $version, $APP_ID"
grep -q "pub const APP_ID: &str = \"$APP_ID\";" src/lib.rs || fail "src/lib.rs APP_ID is not $APP_ID"
desktop=packaging/linux/$APP_ID.desktop
metainfo=packaging/linux/$APP_ID.metainfo.xml
[[ -f $desktop && -f $metainfo ]] || fail "missing $desktop or $metainfo"
grep -qx "Icon=$APP_ID" "$desktop" || fail "$desktop: Icon is not $APP_ID"
grep -qx "StartupWMClass=$APP_ID" "$desktop" || fail "$desktop: StartupWMClass is not $APP_ID"
grep -q "<id>$APP_ID</id>" "$metainfo" || fail "$metainfo: id is not $APP_ID"
newest=$(grep -o '<release version="[^"]*"' "$metainfo" | head -n 1 | cut -d'"' -f2)
[[ $newest == "$version" ]] || fail "$metainfo: newest release $newest, Cargo.toml $version (add a <release>)"
for os in windows macos; do
    cfg=packaging/$os/Packager.toml
    grep -qx "version = \"$version\"" "$cfg" || fail "$cfg: version is not $version"
    grep -qx "identifier = \"$APP_ID\"" "$cfg" || fail "$cfg: identifier is not $APP_ID"
    grep -qx 'productName = "Roster"' "$cfg" || fail "$cfg: productName is not Roster"
done
[[ $(file -b packaging/windows/roster.ico) == *"icon resource"* ]] || fail "packaging/windows/roster.ico is not an icon"
[[ $(head -c 4 packaging/macos/roster.icns) == icns ]] || fail "packaging/macos/roster.icns is not an icns file"

step "desktop-file-validate and appstreamcli validate"
desktop-file-validate "$desktop"
appstreamcli validate --no-net "$metainfo"

step "cargo build --profile ci-deb, cargo deb"
cargo build --locked --profile ci-deb --bin roster
out="$CARGO_TARGET_DIR/debian-check"
rm -rf "$out"
mkdir -p "$out"
# --no-strip: the profile already drops debug info and keeps the symbol names that
# make a crash report's backtrace readable.
cargo deb --locked --no-build --profile ci-deb --no-strip --fast --output "$out/roster.deb"
deb="$out/roster.deb"
ls -l "$deb"

step "contents"
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb" | tee "$out/contents.txt"
expected=(
    ./usr/bin/roster
    ./usr/share/applications/$APP_ID.desktop
    ./usr/share/metainfo/$APP_ID.metainfo.xml
    ./usr/share/icons/hicolor/scalable/apps/$APP_ID.svg
    ./usr/share/doc/roster/examples/import-template.csv
    ./usr/share/doc/roster/copyright
)
for size in 16 32 48 64 128 256 512; do
    expected+=("./usr/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png")
done
for f in "${expected[@]}"; do
    awk '{print $NF}' "$out/contents.txt" | grep -qx -- "$f" || fail "$f is not in the .deb"
done
# The manual page, compressed by cargo-deb as Debian policy asks.
man_page=$(awk '{print $NF}' "$out/contents.txt" | grep -Ex -- './usr/share/man/man1/roster\.1(\.gz)?' || true)
[[ -n $man_page ]] || fail "usr/share/man/man1/roster.1(.gz) is not in the .deb"
control=$(dpkg-deb --field "$deb" Package Version Depends Recommends)
echo "$control"
grep -q "^Version: $version" <<<"$control" || fail "the .deb's version is not $version"
for dep in libxkbcommon-x11-0 'libegl1 | libvulkan1'; do
    grep -q "^Depends:.*$dep" <<<"$control" || fail "Depends lacks $dep"
done
for rec in zenity xdg-desktop-portal gnome-keyring; do
    grep -q "^Recommends:.*$rec" <<<"$control" || fail "Recommends lacks $rec"
done

step "dpkg -x into a temporary root; the installed roster runs"
root="$out/root"
dpkg -x "$deb" "$root"
installed="$root/usr/bin/roster"
said=$("$installed" --version)
[[ $said == "roster $version" ]] || fail "installed roster --version said '$said'"
echo "$said"
"$installed" --help | grep -q "profile" || fail "installed roster --help lists no subcommands"
# The packaged manual page is the one the installed binary makes from its definitions.
packaged_man=$root/${man_page#./}
if [[ $packaged_man == *.gz ]]; then
    packaged_text=$(gzip -dc "$packaged_man")
else
    packaged_text=$(cat "$packaged_man")
fi
[[ $packaged_text == "$(ROSTER_DATA_DIR="$out/data-man" "$installed" man)" ]] ||
    fail "the packaged man page differs from \`roster man\` (regenerate packaging/linux/roster.1)"
grep -q "ROSTER USERS DELETE" <<<"$packaged_text" || fail "the man page lacks roster users delete"
ROSTER_DATA_DIR="$out/data-man" "$installed" completions bash | grep -q "local-login" || fail "roster completions bash is incomplete"
desktop-file-validate "$root/usr/share/applications/$APP_ID.desktop"
appstreamcli validate --no-net "$root/usr/share/metainfo/$APP_ID.metainfo.xml"

step "a panic in the packaged build (panic = abort) still leaves a crash report"
data="$out/data"
set +e
ROSTER_DATA_DIR="$data" ROSTER_DELIBERATE_PANIC=1 DISPLAY='' WAYLAND_DISPLAY='' \
    "$installed" profile list 2>"$out/crash.stderr"
status=$?
set -e
cat "$out/crash.stderr"
[[ $status -ne 0 ]] || fail "a deliberate panic exited 0"
report=$(sed -n 's/^roster: crash report written to //p' "$out/crash.stderr")
[[ -n $report && -f $report ]] || fail "no crash report named on stderr"
[[ $(dirname "$report") == "$data/logs" ]] || fail "crash report $report is not in $data/logs"
grep -q "deliberate panic" "$report" || fail "$report does not say what happened"
grep -q "roster::main\|roster::" "$report" || fail "$report has no symbol names in its backtrace"
echo "package-check: $deb is good (exit status of the deliberate panic: $status)"
