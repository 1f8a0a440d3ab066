#pragma once

#include "testgrid.h"

#include <QHash>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace pvc::test {

// A lab topology (tests/lab/topologies/*.topo, format in docs/lab.md) of network namespaces, built by
// tests/lab/lab.sh for the lifetime of this object. Needs root. On destruction every spawned process is
// killed by its PID, and lab.sh down kills whatever else still runs in the namespaces and deletes them.
class LabNetwork {
public:
    explicit LabNetwork(const QString& topologyFile);
    ~LabNetwork();
    LabNetwork(const LabNetwork&) = delete;
    LabNetwork& operator=(const LabNetwork&) = delete;

    bool isUp() const { return m_up; }
    QString error() const { return m_error; }
    // Every namespace of this lab is named prefix() + "-" + node.
    QString prefix() const { return m_prefix; }
    QString namespaceName(const QString& node) const { return m_prefix + QLatin1Char('-') + node; }
    QStringList nodes() const { return m_address.keys(); }

    // The node's own address: 198.18.x.y for public hosts and router WANs, 198.19.N.x for home hosts.
    QString address(const QString& node) const { return m_address.value(node); }
    // The address the internet sees for the node: its router's WAN for a host behind a NAT.
    QString publicAddress(const QString& node) const;
    // The router of a home host, and the kind of a router (firewall, cone, symmetric, upnp, noudp).
    QString routerOf(const QString& node) const;
    QString kind(const QString& router) const { return m_kind.value(router); }

    // Runs argv in the node's namespace and waits at most timeoutMs; exitCode is -1 on timeout.
    RunResult exec(const QString& node, const QStringList& argv, int timeoutMs = 10000, const QString& asUser = {});
    // Starts argv in the background in the node's namespace, as asUser (via setpriv) if given.
    // The process belongs to the lab and is killed when the lab is destroyed.
    QProcess* spawn(const QString& node, const QStringList& argv, const QString& asUser = {});
    // Waits until something in the node's namespace listens on the TCP (or UDP) port.
    bool waitForListening(const QString& node, quint16 port, bool udp = false, int timeoutMs = 5000);

    // Starts miniupnpd on a router of kind upnp (lab.sh upnpd). It learns its public address by STUN
    // from stunHost:stunPort, which must already answer, and runs until the lab is torn down.
    // Returns false with error() set, including the end of miniupnpd's log, if it does not come up.
    bool startUpnpd(const QString& router, const QString& stunHost, quint16 stunPort);
    qint64 upnpdPid(const QString& router) const { return m_upnpdPid.value(router); }
    // What miniupnpd logged so far (it logs every request in the lab), for failure messages.
    QString upnpdLog(const QString& router) const;

    static QString labDir();
    // labDir()/topologies/<name>.topo
    static QString topology(const QString& name);
    static bool isRoot();
    // The namespaces named prefix-*, for leak checks.
    static QStringList namespacesWithPrefix(const QString& prefix);
    // Removes labs left behind by test processes that no longer exist.
    static void sweepStale();

private:
    bool parse(const QString& topologyFile);
    QStringList wrap(const QString& node, const QStringList& argv, const QString& asUser) const;
    static RunResult runLabScript(const QStringList& arguments, int timeoutMs);

    QString m_prefix;
    bool m_up = false;
    QString m_error;
    QHash<QString, QString> m_address;
    QHash<QString, QString> m_kind;
    QHash<QString, int> m_lanOfRouter;
    QHash<QString, int> m_lanOfHome;
    QList<QProcess*> m_processes;
    QHash<QString, qint64> m_upnpdPid;
    QHash<QString, QString> m_upnpdLog;
};

} // namespace pvc::test
