/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Stand-in (bench/peer/amd): the kernel's values of the errnos the AMD code uses. */
#ifndef PEER_AMD_ERRNO_H
#define PEER_AMD_ERRNO_H

#define ENOENT		2
#define ENOMEM		12
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EINVAL		22
#define ENOSPC		28
#define EOPNOTSUPP	95

#endif
