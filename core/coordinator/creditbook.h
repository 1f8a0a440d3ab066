#pragma once

#include "security/creditstatement.h"
#include "security/projectbundle.h"

#include <QJsonObject>
#include <QObject>
#include <optional>

namespace pvc::core {

class BrokerDispatch;
class ControlApi;
class Enrolment;

// This host's credit (docs/batch.md, "The ledger"): the master's signed statement, which brokers carry and
// cannot forge. A statement is kept only if the project CA signed it, it names this host, and its version is
// higher than the one kept (a replayed older one is refused); it is stored in <state>/credits.json and checked
// again at every start. `credits` answers from it; before any statement, zeros.
class CreditBook : public QObject {
    Q_OBJECT
public:
    struct Modules {
        Enrolment* enrolment;
        BrokerDispatch* brokers;
        ControlApi* control;
    };

    CreditBook(const ProjectBundle& bundle, const QString& stateDirectory, const Modules& modules, QObject* parent);
    void start();
    // A statement from a broker ({"host", "statement"}): kept, or refused with a log line and a count.
    void handle(const QJsonObject& message);
    QJsonObject creditsJson() const;

private:
    void load();
    void refuse(const QString& code, const QString& detail);

    ProjectBundle m_bundle;
    QString m_path;
    Modules m_modules;
    std::optional<CreditStatement> m_statement;
    QJsonObject m_signed; // as the master signed it, for credits.json
    int m_refused = 0;
    QString m_lastRefusal;
};

} // namespace pvc::core
