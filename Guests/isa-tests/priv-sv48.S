/* Sv48 paging: permissions, A/D, superpages, SUM/MXR/MPRV, sfence.vma. */
#define LEVELS 4
#define SATP_MODE 9
#define ROOT table3
#define NONCANONICAL 0x0000800000000000
#include "common/paging.h"
