# Cross toolchain for 64-bit ARM boards (qemu-virt-arm64, rpi3, rpi4):
# Debian's gcc-aarch64-linux-gnu + libc6-dev-arm64-cross and a sysroot of
# Debian arm64 -dev packages (-DPOD_SYSROOT=DIR). See toolchain-debian-cross.cmake.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(POD_TARGET_TRIPLE aarch64-linux-gnu)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-debian-cross.cmake)
