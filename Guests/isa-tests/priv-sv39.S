/* Sv39 paging: permissions, A/D, superpages, SUM/MXR/MPRV, sfence.vma. */
#define LEVELS 3
#define SATP_MODE 8
#define ROOT table2
#define NONCANONICAL 0x0000004000000000
#include "common/paging.h"
