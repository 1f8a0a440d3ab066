#include "privileges.h"

#include <cerrno>
#include <cstring>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace pvc::helper {

namespace {

constexpr int Kept[] = { CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE };

bool kept(int capability)
{
    for (const int cap : Kept)
        if (cap == capability)
            return true;
    return false;
}

bool fail(const char* step, QString* error)
{
    *error = QStringLiteral("%1: %2").arg(QLatin1String(step), QString::fromLocal8Bit(strerror(errno)));
    return false;
}

} // namespace

bool dropPrivileges(QString* error)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail("PR_SET_NO_NEW_PRIVS", error);
    // The bounding set: every capability the running kernel knows (probed up to where PR_CAPBSET_READ says
    // EINVAL), but the kept ones.
    for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; ++cap)
        if (!kept(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
            return fail("PR_CAPBSET_DROP", error);
    __user_cap_header_struct header {};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    for (const int cap : Kept) {
        data[CAP_TO_INDEX(cap)].effective |= CAP_TO_MASK(cap);
        data[CAP_TO_INDEX(cap)].permitted |= CAP_TO_MASK(cap);
    }
    if (syscall(SYS_capset, &header, data) != 0)
        return fail("capset", error);
    // No ambient capabilities either (a program it executed would otherwise keep them).
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    return true;
}

} // namespace pvc::helper
