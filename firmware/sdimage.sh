#!/usr/bin/env bash
# firmware/sdimage.sh - writes a Raspberry Pi SD card image from a built image
# directory. firmware/image.sh runs it for boards whose file sets SD_DTBS.
#
#   firmware/sdimage.sh --board NAME --image DIR --kernel-dir KDIR [--data FILE]
#
# --image       the image directory (vmlinuz, initramfs.cpio.xz from image.sh)
# --kernel-dir  the unpacked Debian kernel package (its Pi device trees)
# --data        the data partition image (default DIR/data.ext4)
#
# DIR/sdcard.img: an MBR with a FAT32 boot partition (type 0x0c, bootable) at
# 1 MiB, laid out as Debian's raspi-firmware does (config.txt, cmdline.txt,
# vmlinuz-KVER, initrd.img-KVER, the board's bcm*.dtb and, when the machine's
# apt sources have non-free-firmware, the proprietary boot files from
# raspi-firmware), then the data partition (ext4, type 0x83). The size is a
# power of two (qemu's SD card wants one); the file is sparse. DIR/boot/ keeps
# the boot partition's files. No root, no loop mounts: mkfs.vfat -C and mcopy
# (mtools), sfdisk on the file, dd conv=notrunc. The last line printed is the
# image's path.
set -euo pipefail

FW_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$FW_DIR/lib.sh"

board='' image='' kdir='' data=''
while [ $# -gt 0 ]; do
    case "$1" in
    --board) board=${2:?}; shift 2 ;;
    --image) image=${2:?}; shift 2 ;;
    --kernel-dir) kdir=${2:?}; shift 2 ;;
    --data) data=${2:?}; shift 2 ;;
    *) fw_die "unknown option '$1' (see firmware/sdimage.sh)" ;;
    esac
done
[ -n "$board" ] && [ -n "$image" ] && [ -n "$kdir" ] ||
    fw_die "usage: firmware/sdimage.sh --board NAME --image DIR --kernel-dir KDIR [--data FILE]"
fw_board "$board"
[ -n "${SD_DTBS:-}" ] || fw_die "board $board has no SD card layout (SD_DTBS in its board file)"
fw_need_pkgs dosfstools mtools fdisk e2fsprogs
[ -n "$data" ] || data=$image/data.ext4
for f in "$image/vmlinuz" "$image/initramfs.cpio.xz" "$data"; do
    [ -f "$f" ] || fw_die "$f is missing (run tools/pod image --board $board)"
done
cache=$(dirname "$image")/firmware-cache
kver=$(ls "$kdir/lib/modules" | head -n1)

# The boot partition's files, staged fresh.
boot=$image/boot
rm -rf "$boot"
mkdir -p "$boot"
cp "$image/vmlinuz" "$boot/vmlinuz-$kver"
cp "$image/initramfs.cpio.xz" "$boot/initrd.img-$kver"
for dtb in $SD_DTBS; do
    f=$(ls "$kdir"/usr/lib/linux-image-*/broadcom/"$dtb" 2>/dev/null | head -n1)
    [ -n "$f" ] || fw_die "$dtb not found in the kernel package ($kdir)"
    cp "$f" "$boot/"
done
cat >"$boot/config.txt" <<EOF
# plugpod ($board), written by firmware/sdimage.sh as Debian's raspi-firmware
# does: 64-bit, the mainline kernel and device trees, the mini UART console.
arm_64bit=1
enable_uart=1
upstream_kernel=1

kernel=vmlinuz-$kver
initramfs initrd.img-$kver followkernel

disable_overscan=1
EOF
# The kernel command line (qemu, which boots the kernel directly, takes the
# same line). The data device is plugpod.data= (rootfs/init).
echo "console=tty0 console=$CONSOLE,115200 quiet plugpod.data=$DATA_DEV rootwait" >"$boot/cmdline.txt"

# The proprietary boot files: Debian's raspi-firmware, in non-free-firmware.
# Only when the machine's apt sources carry that component; never committed.
fw_apt_init "$cache" "$DEB_ARCH"
blobs=missing
if cat "$cache/apt/sources.list" "$cache/apt/sources.list.d/"* 2>/dev/null |
    grep -Eq '^(deb .*|Components:.*)[[:space:]]non-free-firmware([[:space:]]|$)'; then
    fwdir=$(fw_deb "$cache" raspi-firmware)
    cp "$fwdir"/usr/lib/raspi-firmware/{bootcode.bin,start*.elf,fixup*.dat} "$boot/" ||
        fw_die "raspi-firmware has no boot files in usr/lib/raspi-firmware"
    blobs="from raspi-firmware $(basename "$fwdir" | sed 's/^raspi-firmware_//')"
else
    fw_say "WARNING: the boot partition has NO Raspberry Pi boot firmware (bootcode.bin, start*.elf,"
    fw_say "WARNING: fixup*.dat): Debian ships them in raspi-firmware, component non-free-firmware,"
    fw_say "WARNING: which this machine's apt sources lack. Add 'non-free-firmware' to Components in"
    fw_say "WARNING: /etc/apt/sources.list.d/debian.sources and rebuild, or copy those files onto the"
    fw_say "WARNING: card's FAT partition; without them a Pi does not boot (qemu does)."
fi

# The FAT partition, then the card: MBR, FAT at 1 MiB, data after it.
vfat=$cache/boot.vfat
rm -f "$vfat"
mkfs.vfat -C -F 32 -n PLUGPODBOOT "$vfat" $((SD_BOOT_MB * 1024)) >/dev/null ||
    fw_die "mkfs.vfat failed"
MTOOLS_SKIP_CHECK=1 mcopy -i "$vfat" -s -m "$boot"/* ::/ || fw_die "mcopy onto the boot partition failed"
data_mb=$((($(stat -c %s "$data") + 1048575) / 1048576))
need=$((1 + SD_BOOT_MB + data_mb))
total=1
while [ "$total" -lt "$need" ]; do total=$((total * 2)); done
img=$image/sdcard.img
rm -f "$img.new"
truncate -s "${total}M" "$img.new"
sfdisk -q "$img.new" >/dev/null <<EOF || fw_die "sfdisk on $img.new failed"
label: dos
unit: sectors
start=2048, size=$((SD_BOOT_MB * 2048)), type=c, bootable
start=$(((1 + SD_BOOT_MB) * 2048)), size=$((data_mb * 2048)), type=83
EOF
dd if="$vfat" of="$img.new" bs=1M seek=1 conv=notrunc,sparse status=none || fw_die "dd (boot) failed"
dd if="$data" of="$img.new" bs=1M seek=$((1 + SD_BOOT_MB)) conv=notrunc,sparse status=none ||
    fw_die "dd (data) failed"
mv "$img.new" "$img"
rm -f "$vfat"

fw_say "SD card $img: ${total} MB ($(du -k "$img" | cut -f1) KB allocated); boot ${SD_BOOT_MB} MB FAT32" \
    "($(du -sk "$boot" | cut -f1) KB used: kernel $kver, initramfs, $SD_DTBS), data ${data_mb} MB ext4 ($DATA_DEV)"
if [ "$blobs" = missing ]; then
    fw_say "Pi boot firmware: MISSING (no non-free-firmware in the apt sources; see the warning above)"
else
    fw_say "Pi boot firmware: $blobs"
fi
echo "$img"
