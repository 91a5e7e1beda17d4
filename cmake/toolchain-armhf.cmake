# Cross toolchain for 32-bit ARM boards with hardware floating point
# (qemu-virt-armhf, A20-class FreedomBox boards): Debian's
# gcc-arm-linux-gnueabihf + libc6-dev-armhf-cross and a sysroot of Debian
# armhf -dev packages (-DPOD_SYSROOT=DIR). See toolchain-debian-cross.cmake.
set(CMAKE_SYSTEM_PROCESSOR arm)
set(POD_TARGET_TRIPLE arm-linux-gnueabihf)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-debian-cross.cmake)
