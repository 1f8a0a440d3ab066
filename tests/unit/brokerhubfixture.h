#pragma once

// The broker's hub without sockets, for the unit tests of its message handling (tst_brokerhub,
// tst_brokerdocuments): a CA, two members' certificates, a store in a temporary folder, and clients that
// record what the hub sends them.
#include "brokerhub.h"
#include "brokersession.h"
#include "brokerstore.h"
#include "protocol/brokermessages.h"
#include "security/certificates.h"
#include "security/keys.h"
#include "security/policy.h"
#include "security/revocationlist.h"

#include <QTemporaryDir>
#include <QTest>
#include <list>
#include <memory>

using namespace pvc;
using namespace pvc::core;
namespace bp = pvc::core::brokerprotocol;

namespace brokerhubtest {

const QByteArray BrokerFingerprint = QByteArray(32, '\x5a');

// One client of the hub: what it received and whether the hub closed it.
struct Client {
    QList<QJsonObject> inbox;
    bool closed = false;
    broker::Session* session = nullptr;

    QByteArray nonce() const { return bp::Challenge::parse(inbox.value(0))->nonce; }
    QJsonObject last() const { return inbox.isEmpty() ? QJsonObject() : inbox.last(); }
    QString lastType() const { return last().value(QLatin1String("t")).toString(); }
    QString lastError() const { return last().value(QLatin1String("code")).toString(); }
    QList<QJsonObject> ofType(const char* type) const
    {
        QList<QJsonObject> found;
        for (const QJsonObject& message : inbox)
            if (message.value(QLatin1String("t")).toString() == QLatin1String(type))
                found << message;
        return found;
    }
};

// The fixture: what both test classes set up the same way.
class BrokerHubFixture {
protected:
    QByteArray m_caKey;
    QByteArray m_caCert;
    QString m_project;
    QByteArray m_aliceKey, m_bobKey;
    QByteArray m_aliceCert, m_bobCert;
    QString m_aliceSerial;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<broker::BrokerStore> m_store;
    std::unique_ptr<broker::BrokerHub> m_hub;
    std::list<Client> m_clients;

    QByteArray member(const QString& name, const QByteArray& key, quint64 serial, const QString& ip)
    {
        certs::MembershipTerms terms;
        terms.name = name;
        terms.virtualIp = ip;
        terms.dnsName = name + QStringLiteral(".pvc");
        terms.groups = { QStringLiteral("volunteer") };
        terms.serial = serial;
        return certs::signMembership(m_caKey, m_caCert, certs::createCsr(key, name).value(), terms).value();
    }

    Client* newClient()
    {
        Client& client = m_clients.emplace_back();
        client.session = m_hub->openSession(
            QStringLiteral("198.19.0.5:40000"), [&client](const QJsonObject& message) { client.inbox << message; },
            [&client] { client.closed = true; });
        return &client;
    }

    void hello(Client* client, BrokerRole role, const QByteArray& key = {}, const QByteArray& cert = {},
        const QByteArray& fingerprint = BrokerFingerprint)
    {
        bp::Hello hello;
        hello.role = role;
        hello.project = m_project;
        hello.caPem = m_caCert;
        hello.certificatePem = cert;
        if (!key.isEmpty())
            hello.signature = keys::sign(key, bp::helloSigningText(client->nonce(), fingerprint)).value();
        m_hub->handleMessage(client->session, hello.toJson());
    }

    Client* master()
    {
        Client* client = newClient();
        hello(client, BrokerRole::Master, m_caKey);
        return client;
    }

    Client* alice()
    {
        Client* client = newClient();
        hello(client, BrokerRole::Member, m_aliceKey, m_aliceCert);
        return client;
    }

    Client* bob()
    {
        Client* client = newClient();
        hello(client, BrokerRole::Member, m_bobKey, m_bobCert);
        return client;
    }

    static QJsonObject enrol(const char* id)
    {
        return bp::Enrol { QLatin1String(id), QStringLiteral("carol"), QStringLiteral("CSR"), QStringLiteral("tok"),
            QStringLiteral("cHJvb2Y=") }
            .toJson();
    }

    void makeIdentities()

    {
        m_caKey = keys::generateEd25519().value().privatePem;
        m_caCert = certs::createCaCertificate(m_caKey, QStringLiteral("Test"), 365).value();
        m_project = certs::parseCertificate(m_caCert)->fingerprint;
        m_aliceKey = keys::generateEd25519().value().privatePem;
        m_bobKey = keys::generateEd25519().value().privatePem;
        m_aliceCert = member(QStringLiteral("alice"), m_aliceKey, 0x1001, QStringLiteral("240.7.0.2"));
        m_bobCert = member(QStringLiteral("bob"), m_bobKey, 0x1002, QStringLiteral("240.7.0.3"));
        m_aliceSerial = certs::parseCertificate(m_aliceCert)->serialHex;
    }

    void openHub()

    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_store = std::make_unique<broker::BrokerStore>();
        QString error;
        QVERIFY2(m_store->open(m_dir->path(), &error), qPrintable(error));
        m_hub = std::make_unique<broker::BrokerHub>(m_store.get(), BrokerFingerprint);
        m_hub->setStunAltPort(41234);
    }

    void closeHub()

    {
        m_clients.clear();
        m_hub.reset();
        m_store.reset();
        m_dir.reset();
    }
};

} // namespace brokerhubtest
