# shellcheck shell=bash
# firmware/lib.sh - shared helpers for firmware/image.sh and firmware/qemu.sh
# (sourced, not run).
#
# Target packages (kernel, busybox-static, ca-certificates) come from Debian
# through a private apt configuration under the build directory: its own
# package lists for the target architecture only, no dpkg database, nothing
# installed on the host. This keeps the host's multiarch setup out of the way
# (firmware-notes: co-installed versions must match, and once did not).

fw_say() { printf 'firmware: %s\n' "$*" >&2; }
fw_die() { printf 'firmware: error: %s\n' "$*" >&2; exit 1; }

# Loads firmware/boards/$1.conf (kernel package, modules, console, qemu
# machine) into the caller's shell.
fw_board() {
    local conf="$FW_DIR/boards/$1.conf"
    [ -f "$conf" ] || fw_die "no firmware settings for board '$1' ($conf); boards: $(cd "$FW_DIR/boards" && ls | sed 's/\.conf$//' | tr '\n' ' ')"
    # shellcheck source=/dev/null
    . "$conf"
}

# fw_apt_sources DIR SKIP_SECURITY: writes DIR/sources.list{,.d} from the
# host's Debian "deb" entries, without the -security suites when SKIP is 1.
fw_apt_sources() {
    local a=$1 skip=$2 f
    : >"$a/sources.list.d/debian.sources"
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v skip="$skip" 'BEGIN{RS=""}
             /Types:[ \t]*([^\n]* )?deb( |\n|$)/ && /URIs:[^\n]*debian/ {
                 if (skip == 1 && /Suites:[^\n]*-security/) next
                 n = split($0, L, "\n")
                 for (i = 1; i <= n; i++) { if (L[i] ~ /^Types:/) L[i] = "Types: deb"; print L[i] }
                 print "" }' "$f" >>"$a/sources.list.d/debian.sources"
    done
    grep -E '^deb [^#]*debian' /etc/apt/sources.list 2>/dev/null |
        { if [ "$skip" = 1 ]; then grep -v -- '-security' || true; else cat; fi; } >"$a/sources.list" || true
}

# fw_apt_init CACHE ARCH: writes CACHE/apt/apt.conf for ARCH from the host's
# Debian "deb" entries and updates its lists once a day. When only the
# security suite fails to download for ARCH (seen here for armhf: an index
# with the wrong size), warns and goes on with the plain suites; the next
# day's update tries the security suite again.
fw_apt_init() {
    local cache=$1 arch=$2 a=$1/apt skip=0 log=$1/apt/update.log
    mkdir -p "$a/state/lists/partial" "$a/cache/archives/partial" "$a/sources.list.d"
    : >>"$a/state/status"
    cat >"$a/apt.conf" <<EOF
Dir::State "$a/state";
Dir::State::status "$a/state/status";
Dir::Cache "$a/cache";
Dir::Etc::sourcelist "$a/sources.list";
Dir::Etc::sourceparts "$a/sources.list.d";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
EOF
    export APT_CONFIG=$a/apt.conf
    [ -f "$a/security-skipped" ] && skip=1
    fw_apt_sources "$a" "$skip"
    [ -s "$a/sources.list.d/debian.sources" ] || [ -s "$a/sources.list" ] ||
        fw_die "no Debian 'deb' entry in /etc/apt/sources.list{,.d} to fetch $arch packages from"
    [ -z "$(find "$a/state/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n1)" ] ||
        return 0
    fw_say "apt-get update ($arch package lists, under $a)"
    rm -f "$a/security-skipped"
    fw_apt_sources "$a" 0
    if apt-get update -qq >"$log" 2>&1 && ! grep -q '^[WE]: .*[Ff]ailed' "$log"; then
        return 0
    fi
    if grep -q -- '^[WE]:.*-security' "$log" && ! grep '^[WE]:.*Failed' "$log" | grep -qv -- '-security'; then
        fw_say "WARNING: Debian's security suite for $arch did not download:"
        grep '^[WE]:' "$log" | sed 's/^/firmware:   /' >&2
        fw_say "WARNING: using $arch packages WITHOUT security updates (tried again after a day, or remove $a)"
        fw_apt_sources "$a" 1
        apt-get update -qq >"$log" 2>&1 && touch "$a/security-skipped" && return 0
    fi
    cat "$log" >&2
    rm -f "$a/state/lists/"*Packages* # the next run updates again
    fw_die "apt-get update for $arch failed (see above)"
}

# fw_deb CACHE PKG: downloads the candidate version of PKG once and unpacks
# it into CACHE/deb/PKG_VERSION; prints that directory.
fw_deb() {
    local cache=$1 pkg=$2 ver dir deb
    ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
    [ -n "$ver" ] || fw_die "package $pkg not found in the target's Debian lists"
    dir=$cache/deb/${pkg}_${ver//:/%3a}
    if [ ! -f "$dir/.done" ]; then
        mkdir -p "$cache/deb/dl"
        fw_say "downloading $pkg $ver"
        (cd "$cache/deb/dl" && apt-get download -qq "$pkg=$ver" >&2) ||
            fw_die "apt-get download $pkg=$ver failed (stale lists? remove $cache/apt and retry)"
        deb=$(ls "$cache/deb/dl/${pkg}_"*.deb | head -n1)
        rm -rf "$dir"
        dpkg -x "$deb" "$dir" || fw_die "dpkg -x $deb failed"
        rm -f "$deb"
        touch "$dir/.done"
    fi
    printf '%s\n' "$dir"
}

# fw_kernel_pkg METAPKG: the versioned kernel package a meta package
# (linux-image-arm64) points at.
fw_kernel_pkg() {
    apt-cache show --no-all-versions "$1" 2>/dev/null |
        sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -n1
}

# fw_need_pkgs PKG...: installs the host packages that are missing.
fw_need_pkgs() {
    local p missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    fw_say "installing Debian packages: ${missing[*]}"
    local sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 \
        "${missing[@]}" >/dev/null 2>&1 || {
        $sudo apt-get update -qq >&2 || fw_die "apt-get update failed"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 \
            "${missing[@]}" >/dev/null || fw_die "apt-get install ${missing[*]} failed"
    }
}
