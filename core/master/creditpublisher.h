#pragma once

#include "security/projectbundle.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <memory>

class QTimer;

namespace pvc::core {
class BrokerConnection;
class CreditLedger;
} // namespace pvc::core

namespace pvc::master {

class MasterService;

// The master's side of credit (docs/batch.md, "The ledger"): every few seconds it reads each host's summary
// from the ledger pvc-batch writes, and when it changed (or the last statement is a day old) signs a new
// statement with the project CA's key, with a higher version, and sends it through every broker; brokers that
// connect get the current ones.
class CreditPublisher : public QObject {
    Q_OBJECT
public:
    static constexpr int CheckIntervalMs = 3000;
    static constexpr int RestateAfterHours = 24;

    CreditPublisher(const QString& ledgerPath, const core::ProjectBundle& bundle, const QByteArray& caPrivatePem,
        MasterService* service);
    ~CreditPublisher() override;
    bool open(QString* error);
    void start();

private:
    void publishChanged();
    void publishAll(core::BrokerConnection* broker);

    QString m_ledgerPath;
    core::ProjectBundle m_bundle;
    QByteArray m_caPrivatePem;
    MasterService* m_service;
    std::unique_ptr<core::CreditLedger> m_ledger;
    QTimer* m_timer;
};

} // namespace pvc::master
