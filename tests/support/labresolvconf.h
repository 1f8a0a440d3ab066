#pragma once

#include <QString>
#include <QStringList>

namespace pvc::test {

// /etc/netns/<namespace>/resolv.conf files for a lab (what `ip netns exec` binds over /etc/resolv.conf): written
// on request, removed on destruction with their folders, and /etc/netns itself if this object made it and it is
// empty by then.
class LabResolvConf {
public:
    LabResolvConf() = default;
    ~LabResolvConf();
    LabResolvConf(const LabResolvConf&) = delete;
    LabResolvConf& operator=(const LabResolvConf&) = delete;

    // nameserver `address`, search `domain`; *error says why not.
    bool write(const QString& namespaceName, const QString& address, const QString& domain, QString* error);

private:
    QStringList m_dirs;
    bool m_createdNetnsDir = false;
};

} // namespace pvc::test
