#pragma once

#include <QHostAddress>
#include <QList>
#include <QObject>

namespace pvc::core {

class ControlApi;
class DataSession;
class Enrolment;
class OwnerControl;
class PeerDirectory;

// The data module's wiring in pvcd (docs/data.md): the BitTorrent session runs while the host is a
// member, on its virtual IP; `data-publish`, `data-fetch` and `data-status` reach it through the control
// API, and the status gets a `data` object. A fetch asks the reference's publisher first, found by name
// among the members.
class DataWork : public QObject {
    Q_OBJECT
public:
    struct Modules {
        Enrolment* enrolment;
        PeerDirectory* peers;
        ControlApi* control;
        OwnerControl* owner;
    };

    DataWork(const QString& stateDirectory, const Modules& modules, QObject* parent);
    ~DataWork() override;
    void start();

private:
    void updateMember();
    void addCommands();
    void applyLimits();
    QList<QHostAddress> otherMembers() const;

    Modules m_modules;
    DataSession* m_session;
};

} // namespace pvc::core
