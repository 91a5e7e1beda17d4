#!/usr/bin/env bash
# firmware/qemu.sh - boots a board's image in QEMU (TCG). Run through
# `tools/pod qemu`.
#
#   firmware/qemu.sh [--board NAME] [--image DIR] [--https-port N] [--http-port M]
#                    [--dev] [--mem MB] [--data FILE] [--console SOCKET] [--monitor SPEC]
#
# --image    the image directory (default: build it with firmware/image.sh)
# --https-port/--http-port  host ports forwarded (127.0.0.1) to the guest's
#            443 and 80 (defaults 8443, 8080)
# --dev      the guest's plugpod runs with --dev (plain HTTP serves the app)
# --mem      guest RAM in MB (default from the board file)
# --data     the data partition image (default: DIR/data.ext4)
# --console  put the serial console on a unix socket (logged to SOCKET.log)
# --monitor  the QEMU monitor as a character device spec (unix:PATH,server=on,wait=off)
# Default: console and monitor on this terminal (Ctrl-A X quits, Ctrl-A C
# switches to the monitor). `system_powerdown` in the monitor (the power
# button) or `poweroff` on the console shuts the guest down cleanly.
# The console has a root shell. QEMU runs in the foreground (exec).
set -euo pipefail

FW_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$FW_DIR/lib.sh"

board=qemu-virt-arm64 image='' https=8443 http=8080 dev=0 mem='' data='' console='' monitor=''
while [ $# -gt 0 ]; do
    case "$1" in
    --board) board=${2:?}; shift 2 ;;
    --image) image=${2:?}; shift 2 ;;
    --https-port) https=${2:?}; shift 2 ;;
    --http-port) http=${2:?}; shift 2 ;;
    --dev) dev=1; shift ;;
    --mem) mem=${2:?}; shift 2 ;;
    --data) data=${2:?}; shift 2 ;;
    --console) console=${2:?}; shift 2 ;;
    --monitor) monitor=${2:?}; shift 2 ;;
    *) fw_die "unknown option '$1' (see firmware/qemu.sh for the options)" ;;
    esac
done
fw_board "$board"
[ -n "$QEMU" ] || fw_die "board $board has no QEMU machine"
fw_need_pkgs qemu-system-arm
if [ -z "$image" ]; then
    image=$("$FW_DIR/image.sh" --board "$board" | tail -n1)
fi
[ -n "$data" ] || data=$image/data.ext4
for f in "$image/vmlinuz" "$image/initramfs.cpio.xz" "$data"; do
    [ -f "$f" ] || fw_die "$f is missing (run tools/pod image --board $board)"
done

append="console=$CONSOLE quiet plugpod.shell=1 plugpod.host=localhost:$https"
[ "$dev" = 1 ] && append="$append plugpod.dev=1"
if [ -z "$console" ]; then
    io=(-nographic -serial mon:stdio)
else
    io=(-display none -chardev "socket,id=con,path=$console,server=on,wait=off,logfile=$console.log"
        -serial chardev:con -monitor "${monitor:-none}")
fi
# -no-reboot: a watchdog reset or a kernel panic ends QEMU instead of looping.
# shellcheck disable=SC2086
exec "$QEMU" $QEMU_MACHINE -m "${mem:-$QEMU_MEM}" -no-reboot \
    -kernel "$image/vmlinuz" -initrd "$image/initramfs.cpio.xz" -append "$append" \
    -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$https-:443,hostfwd=tcp:127.0.0.1:$http-:80" \
    -device virtio-net-device,netdev=net0 \
    -object rng-random,id=rng0,filename=/dev/urandom -device virtio-rng-device,rng=rng0 \
    -drive "if=none,id=data,file=$data,format=raw,cache=writeback" \
    -device virtio-blk-device,drive=data \
    "${io[@]}"
