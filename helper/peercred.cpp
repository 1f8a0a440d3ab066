#include "peercred.h"

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>

namespace pvc::helper {

bool readPeerCredentials(int socket, PeerCredentials* peer, QString* error)
{
    ucred cred {};
    socklen_t length = sizeof(cred);
    if (getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0 || length != sizeof(cred)) {
        *error = QStringLiteral("SO_PEERCRED: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    peer->pid = cred.pid;
    peer->uid = cred.uid;
    peer->gid = cred.gid;

    // NGROUPS_MAX is 65536; callers with more groups than fit are judged on uid and gid only.
    gid_t groups[256];
    length = sizeof(groups);
    if (getsockopt(socket, SOL_SOCKET, SO_PEERGROUPS, groups, &length) == 0) {
        for (socklen_t i = 0; i < length / sizeof(gid_t); ++i)
            peer->groups.append(groups[i]);
    }
    return true;
}

bool AccessPolicy::allows(const PeerCredentials& peer) const
{
    if (peer.uid == uid)
        return true;
    return gid && (peer.gid == *gid || peer.groups.contains(*gid));
}

bool resolvePolicy(const QString& user, const QString& groupName, AccessPolicy* policy, QString* error)
{
    const passwd* pw = getpwnam(user.toLocal8Bit().constData());
    if (!pw) {
        *error = QStringLiteral("unknown user %1").arg(user);
        return false;
    }
    policy->uid = pw->pw_uid;
    policy->userGid = pw->pw_gid;
    if (groupName.isEmpty())
        return true;
    const struct group* gr = getgrnam(groupName.toLocal8Bit().constData());
    if (!gr) {
        *error = QStringLiteral("unknown group %1").arg(groupName);
        return false;
    }
    policy->gid = gr->gr_gid;
    return true;
}

} // namespace pvc::helper
