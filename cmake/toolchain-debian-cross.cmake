# Shared part of the cross toolchain files (toolchain-aarch64.cmake,
# toolchain-armhf.cmake): Debian's cross gcc for POD_TARGET_TRIPLE, its own
# libc (/usr/<triple>, from libc6-dev-<arch>-cross), and a sysroot of the
# target's Debian -dev packages unpacked with dpkg -x (tools/cross-build makes
# it; pass -DPOD_SYSROOT=DIR). POD_CPU_FLAGS holds the board's -mcpu/-march
# flags (board/<name>/board.conf).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${POD_TARGET_TRIPLE}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${POD_TARGET_TRIPLE})

# try_compile re-reads this file in a fresh project: hand the values on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES POD_SYSROOT POD_CPU_FLAGS)
if(NOT POD_SYSROOT)
  message(FATAL_ERROR "cross build: set -DPOD_SYSROOT=DIR (the target's Debian -dev "
                      "packages unpacked with dpkg -x; tools/pod build --board NAME makes it)")
endif()

# Headers and libraries come from the sysroot (and the cross libc); programs
# run during the build (python3 for Kconfig) come from the host.
set(CMAKE_FIND_ROOT_PATH ${POD_SYSROOT} /usr/${POD_TARGET_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The sysroot is not the compiler's --sysroot (that stays the cross libc), so
# its include folders are named here; libraries are found by full path.
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES ${POD_SYSROOT}/usr/include
    ${POD_SYSROOT}/usr/include/${POD_TARGET_TRIPLE})
set(CMAKE_C_FLAGS_INIT "${POD_CPU_FLAGS}")
