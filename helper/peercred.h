#pragma once

#include <QList>
#include <QString>
#include <optional>
#include <sys/types.h>

namespace pvc::helper {

// Who is on the other end of a connection, as the kernel recorded it at connect() time
// (SO_PEERCRED, SO_PEERGROUPS). Nothing a caller writes can change it.
struct PeerCredentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    QList<gid_t> groups;
};

bool readPeerCredentials(int socket, PeerCredentials* peer, QString* error);

// Deny by default: a caller is allowed if its uid is the allowed user's, or, when a group is
// given, if its primary or a supplementary gid is that group.
struct AccessPolicy {
    uid_t uid = 0;
    gid_t userGid = 0; // the allowed user's primary group, owner group of a 0600 socket
    std::optional<gid_t> gid;

    bool allows(const PeerCredentials& peer) const;
};

bool resolvePolicy(const QString& user, const QString& groupName, AccessPolicy* policy, QString* error);

} // namespace pvc::helper
