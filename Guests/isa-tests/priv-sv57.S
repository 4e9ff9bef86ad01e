/* Sv57 paging: permissions, A/D, superpages, SUM/MXR/MPRV, sfence.vma. */
#define LEVELS 5
#define SATP_MODE 10
#define ROOT table4
#define NONCANONICAL 0x0100000000000000
#include "common/paging.h"
