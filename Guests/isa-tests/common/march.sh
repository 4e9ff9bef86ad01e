# The -march of every ISA test program: each extension the programs use (GCC 12 wants
# the S extension before the Z ones). Sourced by build.sh and validate-on-qemu.sh.
MARCH=rv64gc_svinval_zba_zbb_zbs_zfhmin_zicbom_zicboz_zicbop_zihintpause
