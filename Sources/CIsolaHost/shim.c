#include "CIsolaHost.h"
