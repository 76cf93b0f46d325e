#!/usr/bin/env bash
# A real Asterisk for the tests, built once per machine from the source tarball:
# prints the install prefix on stdout (its sbin/asterisk is the binary); everything
# else goes to stderr.  Idempotent: a finished build is found in a second.
#
# Tarball: $PROGMOH_ASTERISK_TARBALL, default ../shared/asterisk/asterisk-master-f0c1c1a.tar.gz
# beside the repository; its sha256 must match.  Build folder, outside the clone and
# keyed by that sha256: $PROGMOH_ASTERISK_CACHE/<sha256 prefix> (default
# /var/cache/progmoh-asterisk as root, ~/.cache/progmoh-asterisk otherwise).  A marker
# file is written only after a successful install, so a half build is redone.
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
tarball="${PROGMOH_ASTERISK_TARBALL:-$here/../shared/asterisk/asterisk-master-f0c1c1a.tar.gz}"
sha256="a67b1d46a722352d13518420fa3b530b7044db0b2920ab50ddaa4c76f4e2608c"
if [[ "$(id -u)" -eq 0 ]]; then default_cache=/var/cache/progmoh-asterisk
else default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/progmoh-asterisk"; fi
cache="${PROGMOH_ASTERISK_CACHE:-$default_cache}"
base="$cache/${sha256:0:16}"
prefix="$base/install"
marker="$base/installed.ok"
log="$base/build.log"

build_deps=(build-essential libedit-dev libjansson-dev libsqlite3-dev uuid-dev libxml2-dev
    libcurl4-openssl-dev libssl-dev pkg-config)
categories=(ADDONS APPS BRIDGES CDR CEL CHANNELS CODECS FORMATS FUNCS PBX RES TESTS
    CORE_SOUNDS MOH EXTRA_SOUNDS)
modules=(app_queue app_record app_playback app_senddtmf app_verbose app_stack app_exec app_dial
    app_echo res_musiconhold res_config_curl res_curl func_curl func_channel func_callerid
    func_logic func_strings func_env func_global func_cut func_db res_timing_timerfd format_wav
    format_pcm format_sln codec_ulaw codec_alaw codec_a_mu codec_resample bridge_simple
    bridge_softmix bridge_native_rtp bridge_holding bridge_builtin_features
    bridge_builtin_interval_features chan_bridge_media pbx_config res_stasis res_parking
    res_sorcery_config res_sorcery_memory res_sorcery_astdb res_sorcery_realtime res_agi)

say() { echo "asterisk.sh: $*" >&2; }
fail() { say "$*"; exit 1; }

built() { [[ -f "$marker" && -x "$prefix/sbin/asterisk" ]]; }

check_tarball() {
    [[ -f "$tarball" ]] || fail "the Asterisk source tarball $tarball is missing"
    local actual
    actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
    [[ "$actual" == "$sha256" ]] \
        || fail "the Asterisk source tarball $tarball is damaged: sha256 $actual, expected $sha256"
}

run_logged() {
    "$@" >>"$log" 2>&1 || { tail -n 40 "$log" >&2; fail "'$*' failed; full log: $log"; }
}

select_modules() {
    local category module
    run_logged make menuselect.makeopts
    for category in "${categories[@]}"; do
        run_logged menuselect/menuselect --disable-category "MENUSELECT_$category" menuselect.makeopts
    done
    for module in "${modules[@]}"; do
        run_logged menuselect/menuselect --enable "$module" menuselect.makeopts
    done
}

build() {
    "$here/scripts/apt-ensure" "${build_deps[@]}" >&2
    rm -rf "$base/src" "$prefix" "$marker"
    mkdir -p "$base/src"
    : >"$log"
    say "building Asterisk from $tarball into $prefix (a few minutes; log: $log)"
    tar -xzf "$tarball" -C "$base/src" --strip-components=1 || fail "cannot unpack $tarball"
    cd "$base/src"
    run_logged ./configure --prefix="$prefix" --without-pjproject --with-jansson
    select_modules
    run_logged make -j2
    run_logged make install
    [[ -x "$prefix/sbin/asterisk" ]] || fail "make install left no $prefix/sbin/asterisk"
    cd /
    rm -rf "$base/src"
    date -u +%FT%TZ >"$marker"
    say "Asterisk built in $SECONDS s"
}

main() {
    mkdir -p "$base"
    exec 9>"$base/lock"
    flock 9  # two test sessions at once: the second waits for the first's build
    check_tarball
    built || build
    echo "$prefix"
}

main "$@"
