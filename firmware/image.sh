#!/usr/bin/env bash
# firmware/image.sh - builds a board's boot image: kernel, initramfs and (only
# when missing) the data partition image. Run through `tools/pod image`.
#
#   firmware/image.sh [--board NAME] [--plugpod PATH] [--out DIR] [--data FILE]
#
# --plugpod  a static target plugpod to put in the image (default: the one
#            `tools/pod build --board NAME` makes)
# --out      where to write (default: image/ beside that plugpod)
# --data     the data partition image (default DIR/data.ext4), made when missing
#
# Writes DIR/vmlinuz (Debian's kernel), DIR/initramfs.cpio.xz (busybox,
# plugpod, modules, CA certificates, firmware/rootfs) and DIR/data.ext4, a
# separate ext4 image kept across rebuilds ("reflashing" the system part
# never touches it). Debian packages are cached in DIR/../firmware-cache.
# The last line printed is DIR, or for a board with an SD card layout (SD_DTBS
# in its board file: the Raspberry Pis) DIR/sdcard.img (firmware/sdimage.sh).
# Exit code 3: the cross build failed.
set -euo pipefail

FW_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$FW_DIR")
. "$FW_DIR/lib.sh"

board=qemu-virt-arm64 plugpod='' out='' data=''
while [ $# -gt 0 ]; do
    case "$1" in
    --board) board=${2:?--board NAME}; shift 2 ;;
    --plugpod) plugpod=${2:?--plugpod PATH}; shift 2 ;;
    --out) out=${2:?--out DIR}; shift 2 ;;
    --data) data=${2:?--data FILE}; shift 2 ;;
    *) fw_die "unknown option '$1' (usage: tools/pod image [--board NAME] [--plugpod PATH] [--out DIR] [--data FILE])" ;;
    esac
done
fw_board "$board"
fw_need_pkgs cpio xz-utils e2fsprogs kmod "binutils-$TARGET_TRIPLET"

if [ -z "$plugpod" ]; then
    fw_say "building plugpod for $board (tools/pod build --board $board)"
    plugpod=$("$ROOT/tools/pod" build --board "$board" | tail -n1) || {
        printf 'firmware: error: the cross build for %s failed (tools/pod build --board %s)\n' \
            "$board" "$board" >&2
        exit 3
    }
fi
[ -f "$plugpod" ] || fw_die "no plugpod binary at '$plugpod'"
# A static binary for the target: ELF, machine $ELF_MACHINE, no interpreter.
[ "$(od -An -tu2 -j18 -N2 "$plugpod" | tr -d ' ')" = "$ELF_MACHINE" ] ||
    fw_die "$plugpod is not a $DEB_ARCH program"
! "$TARGET_TRIPLET-readelf" -l "$plugpod" | grep -q 'program interpreter' ||
    fw_die "$plugpod is dynamically linked; the image needs a static build"
[ -n "$out" ] || out=$(cd "$(dirname "$plugpod")" && pwd)/image
mkdir -p "$out"
out=$(cd "$out" && pwd)
cache=$(dirname "$out")/firmware-cache
mkdir -p "$cache"

# Debian packages for the target.
fw_apt_init "$cache" "$DEB_ARCH"
kpkg=$(fw_kernel_pkg "$KERNEL_META")
[ -n "$kpkg" ] || fw_die "cannot tell which kernel $KERNEL_META points at"
kdir=$(fw_deb "$cache" "$kpkg")
bbdir=$(fw_deb "$cache" busybox-static)
cadir=$(fw_deb "$cache" ca-certificates)
kver=$(ls "$kdir/lib/modules" | head -n1)
[ -f "$kdir/lib/modules/$kver/modules.dep" ] || depmod -b "$kdir" "$kver"

# The root file system, staged fresh each time.
stage=$cache/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc/ssl/certs,proc,sys,dev,run,tmp,data,root}
cp -a "$FW_DIR/rootfs/." "$stage/"
cp "$bbdir/bin/busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh" # the other applet links: busybox --install in init
cp "$plugpod" "$stage/bin/plugpod"
cat "$cadir"/usr/share/ca-certificates/mozilla/*.crt >"$stage/etc/ssl/certs/ca-certificates.crt"
# e2fsck (Debian's is dynamically linked): the binary, the libraries it
# names and the dynamic loader, so the init can check /data before mounting
# it. The init deletes them afterwards to give the memory back.
fsckdirs=""
for p in e2fsprogs libext2fs2 libcom-err2 libblkid1 libuuid1 libc6; do
    fsckdirs="$fsckdirs $(fw_deb "$cache" "$p")"
done
cp "$(ls -d $fsckdirs | while read -r d; do ls "$d/sbin/e2fsck" 2>/dev/null; done | head -n1)" \
    "$stage/sbin/e2fsck" || fw_die "no e2fsck in e2fsprogs"
fw_copy_needed() { # ELF -> its NEEDED libraries (and theirs), from the unpacked packages
    "$TARGET_TRIPLET-readelf" -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
        while read -r lib; do
            [ -e "$stage/lib/$lib" ] && continue
            src=$(for d in $fsckdirs; do find "$d" -name "$lib" 2>/dev/null; done | head -n1)
            [ -n "$src" ] || fw_die "e2fsck needs $lib, not found"
            mkdir -p "$stage/lib"
            cp -L "$src" "$stage/lib/$lib"
            fw_copy_needed "$stage/lib/$lib"
        done
}
fw_copy_needed "$stage/sbin/e2fsck"
interp=$("$TARGET_TRIPLET-readelf" -l "$stage/sbin/e2fsck" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
[ -n "$interp" ] || fw_die "cannot read e2fsck's interpreter"
mkdir -p "$stage$(dirname "$interp")"
cp -L "$(for d in $fsckdirs; do find "$d" -name "$(basename "$interp")" 2>/dev/null; done | head -n1)" \
    "$stage$interp" || fw_die "no $interp in libc6"
ln -s /proc/mounts "$stage/etc/mtab" # e2fsck asks whether the device is mounted
# Boards without an RTC boot in 1970: the superblock's times are then "in
# the future", which is no damage.
printf '[options]\n\tbroken_system_clock = 1\n' >"$stage/etc/e2fsck.conf"
ln -s /run/resolv.conf "$stage/etc/resolv.conf"
echo 'root:x:0:0:root:/root:/bin/sh' >"$stage/etc/passwd"
echo 'root:x:0:' >"$stage/etc/group"
printf '%s\n' $MODULES >"$stage/etc/modules"
# plugpod feeds the watchdog itself when built so (drivers/watchdog); the
# init then leaves the device alone (one process may hold it).
if grep -q '^CONFIG_POD_WATCHDOG=y' "$(dirname "$plugpod")/config/.config" 2>/dev/null; then
    touch "$stage/etc/watchdog-by-plugpod"
fi

# Kernel modules named in the board file and their dependencies, debug info
# stripped, with a fresh modules.dep for busybox modprobe.
for m in $MODULES; do
    modprobe -d "$kdir" -S "$kver" --show-depends "$m" ||
        fw_die "module $m not found in $kpkg"
done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' | while read -r ko; do
    rel=${ko#"$kdir"/}
    rel=${rel#./}
    mkdir -p "$stage/$(dirname "$rel")"
    "$TARGET_TRIPLET-strip" --strip-debug -o "$stage/$rel" "$ko"
done
cp "$kdir/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$stage/lib/modules/$kver/" 2>/dev/null || true
depmod -b "$stage" "$kver"

# Compress only when the contents changed (xz -9 takes a while).
# The kernel's xz decoder wants CRC32 checks and allocates the whole
# dictionary: a small one lets the image boot with little RAM.
xzopts="--check=crc32 --lzma2=preset=9e,dict=1MiB"
sum=$( (tar -C "$stage" --sort=name --mtime=@0 --owner=0 --group=0 -cf - .; echo "$xzopts") |
    sha256sum | cut -d' ' -f1)
if [ ! -f "$out/initramfs.cpio.xz" ] || [ "$(cat "$out/.initramfs.sum" 2>/dev/null)" != "$sum" ]; then
    (cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
        xz $xzopts >"$out/initramfs.cpio.xz.new"
    mv "$out/initramfs.cpio.xz.new" "$out/initramfs.cpio.xz"
    echo "$sum" >"$out/.initramfs.sum"
fi
cp "$kdir/boot/vmlinuz-$kver" "$out/vmlinuz.new"
mv "$out/vmlinuz.new" "$out/vmlinuz"

# The data partition: made once, then kept (it holds the pod's database).
[ -n "$data" ] || data=$out/data.ext4
if [ ! -f "$data" ]; then
    mkdir -p "$cache/data-empty"
    mkfs.ext4 -q -F -L plugpod-data -d "$cache/data-empty" "$data.new" "${DATA_SIZE_MB}M" >&2 ||
        fw_die "mkfs.ext4 for the data partition failed"
    mv "$data.new" "$data"
    fw_say "new data partition $data (${DATA_SIZE_MB} MB ext4)"
fi

size() { stat -c %s "$1"; }
k=$(size "$out/vmlinuz") i=$(size "$out/initramfs.cpio.xz")
fw_say "kernel $kver: $k bytes; initramfs: $i bytes ($(du -sk "$stage" | cut -f1) KB unpacked); system total: $((k + i)) bytes"
fw_say "data partition $data: $(du -k "$data" | cut -f1) KB allocated"
if [ -n "${SD_DTBS:-}" ]; then
    exec "$FW_DIR/sdimage.sh" --board "$board" --image "$out" --kernel-dir "$kdir" --data "$data"
fi
echo "$out"
