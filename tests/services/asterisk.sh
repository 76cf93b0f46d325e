#!/usr/bin/env bash
# A real Asterisk for the tests, with chan_pjsip and the bundled pjproject, built once
# per machine from a source tarball: prints the install prefix on stdout (its
# sbin/asterisk is the binary); everything else goes to stderr.  Idempotent: a
# finished build is found in a second.
#
# Usage: asterisk.sh [VERSION]   VERSION: 22 (22.10.1, the default), 20 (20.20.1) or
# master (master-f0c1c1a); see docs/asterisk.md "Tested versions".
#
# Tarballs: ../shared/asterisk/asterisk-<version>.tar.gz and pjproject-2.17.tar.bz2
# beside the repository ($PROGMOH_ASTERISK_TARBALL names another Asterisk tarball;
# its version is read from its name); each sha256 must match the table below.
# Build folder, outside the clone: $PROGMOH_ASTERISK_CACHE/<version>-<sha256 prefix>-<recipe>
# (default /var/cache/progmoh-asterisk as root, ~/.cache/progmoh-asterisk otherwise),
# keyed by the version, the tarball's sha256 and what this script builds from it.  A
# lock lets two test sessions share a build; a marker file is written only after a
# successful install, so a half build is redone.
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
shared="$(cd "$here/.." && pwd)/shared/asterisk"
declare -A known_sha256=(
    [22.10.1]=248b634d1a6c784aa3266e8cbfb8402780c04a468652992260a4aabab8023ff5
    [20.20.1]=f50da68d2ccc9d621e22fbd338e1ec54205f0b95356fc7f1cd099f8a387d6b3e
    [master-f0c1c1a]=a67b1d46a722352d13518420fa3b530b7044db0b2920ab50ddaa4c76f4e2608c
)
declare -A aliases=([22]=22.10.1 [20]=20.20.1 [master]=master-f0c1c1a)
pjproject_sha256=04b2eb1f0f01aa0ad1945b167171843448a51aa6b7c3e806496d434f13a112b7
pjproject="${PROGMOH_PJPROJECT_TARBALL:-$shared/pjproject-2.17.tar.bz2}"

build_deps=(build-essential libedit-dev libjansson-dev libsqlite3-dev uuid-dev libxml2-dev
    libcurl4-openssl-dev libssl-dev pkg-config bzip2)
configure_args=(--with-pjproject-bundled --with-jansson)
categories=(ADDONS APPS BRIDGES CDR CEL CHANNELS CODECS FORMATS FUNCS PBX RES TESTS
    CORE_SOUNDS MOH EXTRA_SOUNDS)
modules=(app_queue app_record app_playback app_playtones app_senddtmf app_verbose app_stack app_exec app_dial
    app_echo res_musiconhold res_config_curl res_curl func_curl func_channel func_callerid
    func_logic func_strings func_env func_global func_cut func_db res_timing_timerfd format_wav
    format_pcm format_sln codec_ulaw codec_alaw codec_a_mu codec_resample bridge_simple
    bridge_softmix bridge_native_rtp bridge_holding bridge_builtin_features
    bridge_builtin_interval_features chan_bridge_media pbx_config res_stasis res_parking
    res_sorcery_config res_sorcery_memory res_sorcery_astdb res_sorcery_realtime res_agi
    chan_pjsip res_pjproject res_pjsip res_pjsip_session res_pjsip_sdp_rtp
    res_pjsip_endpoint_identifier_ip res_pjsip_endpoint_identifier_user res_pjsip_caller_id
    res_pjsip_dtmf_info res_pjsip_authenticator_digest res_pjsip_outbound_authenticator_digest
    res_pjsip_pubsub res_pjsip_registrar res_pjsip_nat res_pjsip_rfc3326 res_pjsip_diversion
    res_pjsip_header_funcs res_pjsip_logger res_rtp_asterisk res_http_websocket)

say() { echo "asterisk.sh: $*" >&2; }
fail() { say "$*"; exit 1; }

choose_version() {
    local wanted="${1:-22}"
    if [[ -n "${PROGMOH_ASTERISK_TARBALL:-}" ]]; then
        tarball="$PROGMOH_ASTERISK_TARBALL"
        version="$(basename "$tarball")"; version="${version#asterisk-}"; version="${version%.tar.gz}"
    else
        version="${aliases[$wanted]:-$wanted}"
        tarball="$shared/asterisk-$version.tar.gz"
    fi
    [[ -f "$tarball" ]] || fail "the Asterisk source tarball $tarball is missing"
    sha256="${known_sha256[$version]:-}"
    [[ -n "$sha256" ]] || fail "$tarball: unknown Asterisk version '$version' (known: ${!known_sha256[*]})"
}

layout() {
    local recipe
    recipe="$(printf '%s\n' "$pjproject_sha256" "${configure_args[@]}" "${modules[@]}" | sha256sum)"
    base="$cache/$version-${sha256:0:16}-${recipe:0:8}"
    prefix="$base/install"
    marker="$base/installed.ok"
    log="$base/build.log"
}

built() { [[ -f "$marker" && -x "$prefix/sbin/asterisk" ]]; }

check_file() {  # path, expected sha256, what it is
    [[ -f "$1" ]] || fail "the $3 tarball $1 is missing"
    local actual
    actual="$(sha256sum "$1" | cut -d' ' -f1)"
    [[ "$actual" == "$2" ]] || fail "the $3 tarball $1 is damaged: sha256 $actual, expected $2"
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

# The bundled pjproject comes from the externals cache, never downloaded; the md5 the
# source ships is upstream's, so it is replaced by this tarball's.
stage_pjproject() {
    local externals="$base/externals"
    mkdir -p "$externals"
    cp "$pjproject" "$externals/pjproject-2.17.tar.bz2"
    (cd "$externals" && md5sum pjproject-2.17.tar.bz2) >third-party/pjproject/pjproject-2.17.tar.bz2.md5
}

build() {
    "$here/scripts/apt-ensure" "${build_deps[@]}" >&2
    rm -rf "$base/src" "$base/externals" "$prefix" "$marker"
    mkdir -p "$base/src"
    : >"$log"
    say "building Asterisk $version from $tarball into $prefix (a few minutes; log: $log)"
    tar -xzf "$tarball" -C "$base/src" --strip-components=1 || fail "cannot unpack $tarball"
    cd "$base/src"
    stage_pjproject
    run_logged ./configure --prefix="$prefix" "${configure_args[@]}" \
        --with-externals-cache="$base/externals"
    select_modules
    run_logged make -j2 EXTERNALS_CACHE_DIR="$base/externals"
    run_logged make install EXTERNALS_CACHE_DIR="$base/externals"
    [[ -x "$prefix/sbin/asterisk" ]] || fail "make install left no $prefix/sbin/asterisk"
    cd /
    rm -rf "$base/src" "$base/externals"
    echo "$(date -u +%FT%TZ) $version built in $SECONDS s" >"$marker"
    say "Asterisk $version built in $SECONDS s"
}

main() {
    if [[ "$(id -u)" -eq 0 ]]; then default_cache=/var/cache/progmoh-asterisk
    else default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/progmoh-asterisk"; fi
    cache="${PROGMOH_ASTERISK_CACHE:-$default_cache}"
    choose_version "$@"
    check_file "$tarball" "$sha256" "Asterisk source"
    check_file "$pjproject" "$pjproject_sha256" "pjproject source"
    layout
    mkdir -p "$base"
    exec 9>"$base/lock"
    flock 9  # two test sessions at once: the second waits for the first's build
    built || build
    echo "$prefix"
}

main "$@"
