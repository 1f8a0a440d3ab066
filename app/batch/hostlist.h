#pragma once

#include <QString>
#include <QStringList>

namespace pvc::batch {

// The hosts pvc-batch may pin replicas to: a fixed list (--hosts), or the members the master's own pvcd
// sees authenticated now (its control socket's `peers`), asked again every few seconds.
class HostList {
public:
    explicit HostList(QStringList fixed, QString controlPath = {});
    // The hosts now; the pvcd is asked at most once per RefreshMs.
    QStringList hosts();
    QString lastError() const { return m_error; }

    static constexpr int RefreshMs = 5000;

private:
    QStringList m_fixed;
    QString m_controlPath;
    QStringList m_cached;
    qint64 m_askedAtMs = 0;
    QString m_error;
};

} // namespace pvc::batch
