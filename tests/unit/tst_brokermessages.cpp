#include "protocol/brokermessages.h"

#include <QJsonDocument>
#include <QTest>

using namespace pvc::core;
using namespace pvc::core::brokerprotocol;

namespace {
QJsonObject json(const char* text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}
QString longText(qsizetype size)
{
    return QString(size, QLatin1Char('a'));
}
} // namespace

// The broker protocol's messages (docs/protocol.md 2): the JSON each type writes is exactly what the
// protocol spells, parse(toJson(x)) gives x back, and oversized fields are refused with the code the
// broker answers.
class TstBrokerMessages : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void typeNames()
    {
        QCOMPARE(toString(MessageType::EnrolResult), QStringLiteral("enrol-result"));
        QCOMPARE(toString(MessageType::RelayOpen), QStringLiteral("relay-open"));
        QVERIFY(messageType(json(R"({"v":1,"t":"enrol-queued"})")) == MessageType::EnrolQueued);
        QVERIFY(!messageType(json(R"({"v":1,"t":"teleport"})")));
        QVERIFY(!messageType(json(R"({"v":1})")));
    }
    void ids()
    {
        QVERIFY(isValidId(QStringLiteral("0123456789abcdef")));
        QVERIFY(isValidId(QString(64, QLatin1Char('f'))));
        QVERIFY(!isValidId(QString(65, QLatin1Char('f'))));
        QVERIFY(!isValidId(QStringLiteral("0123456789ABCDEF")));
        QVERIFY(!isValidId(QStringLiteral("0123456789abcde")));
    }
    void challengeAndHelloWire()
    {
        const Challenge challenge { QByteArray(32, '\x01'), QStringLiteral("00112233445566778899aabbccddeeff") };
        const QJsonObject written = challenge.toJson();
        QCOMPARE(written,
            json(R"({"v":1,"t":"challenge","nonce":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",)"
                 R"("session":"00112233445566778899aabbccddeeff"})"));
        const auto read = Challenge::parse(written);
        QVERIFY(read);
        QCOMPARE(read->nonce, challenge.nonce);
        QCOMPARE(read->session, challenge.session);

        Hello hello;
        hello.role = BrokerRole::Master;
        hello.project = QStringLiteral("abcd");
        hello.caPem = "CA";
        hello.signature = QByteArray(64, '\x02');
        QJsonObject expected = json(R"({"v":1,"t":"hello","role":"master","project":"abcd","ca":"CA"})");
        expected.insert(QStringLiteral("sig"), QString::fromLatin1(hello.signature.toBase64()));
        QCOMPARE(hello.toJson(), expected); // no "cert" for a master
        const auto back = Hello::parse(expected);
        QVERIFY(back);
        QVERIFY(back->role == BrokerRole::Master);
        QCOMPARE(back->signature, hello.signature);
        QCOMPARE(back->caPem, hello.caPem);
    }
    void helloUnknownRoleIsNone()
    {
        // The broker checks the project before the role, so an unknown role parses (as None).
        const auto hello = Hello::parse(json(R"({"v":1,"t":"hello","role":"admin","project":"x"})"));
        QVERIFY(hello);
        QVERIFY(hello->role == BrokerRole::None);
    }
    void welcomeWire()
    {
        const Welcome member { QStringLiteral("s"), QStringLiteral("198.19.2.10:40112"), 2882343476u, 41234 };
        QCOMPARE(member.toJson(),
            json(R"({"v":1,"t":"welcome","session":"s","observed":"198.19.2.10:40112","relay_tag":2882343476,)"
                 R"("stun_alt_port":41234})"));
        const auto back = Welcome::parse(member.toJson());
        QVERIFY(back);
        QCOMPARE(back->relayTag, member.relayTag);
        QCOMPARE(back->stunAltPort, member.stunAltPort);
        // A guest's welcome has neither relay tag nor second port.
        QCOMPARE((Welcome { QStringLiteral("s"), QStringLiteral("o"), 0, 0 }.toJson()),
            json(R"({"v":1,"t":"welcome","session":"s","observed":"o"})"));
    }
    void enrolMessagesWire()
    {
        const Enrol enrol { QStringLiteral("0123456789abcdef"), QStringLiteral("alice"), QStringLiteral("CSR"),
            QStringLiteral("tok"), QStringLiteral("cHJvb2Y=") };
        QCOMPARE(enrol.toJson(),
            json(R"({"v":1,"t":"enrol","id":"0123456789abcdef","name":"alice","csr":"CSR","token_id":"tok",)"
                 R"("proof":"cHJvb2Y="})"));
        const auto back = Enrol::parse(enrol.toJson());
        QVERIFY(back);
        QCOMPARE(back->tokenId, enrol.tokenId);
        QCOMPARE(back->proof, enrol.proof);

        QCOMPARE((EnrolQueued { QStringLiteral("i"), true }.toJson()),
            json(R"({"v":1,"t":"enrol-queued","id":"i","master_online":true})"));

        // Only the keys present are written: a replayed answer is what the master sent.
        const EnrolResult refused { QStringLiteral("i"), false, std::nullopt, QStringLiteral("enrol.bad_request"),
            std::nullopt };
        QCOMPARE(
            refused.toJson(), json(R"({"v":1,"t":"enrol-result","id":"i","ok":false,"error":"enrol.bad_request"})"));
        const EnrolResult approved { QStringLiteral("i"), true, QStringLiteral("PEM"), std::nullopt, std::nullopt };
        QCOMPARE(approved.toJson(), json(R"({"v":1,"t":"enrol-result","id":"i","ok":true,"cert":"PEM"})"));
        const auto backResult = EnrolResult::parse(json(R"({"id":"i","ok":false,"error":"e","detail":""})"));
        QVERIFY(backResult);
        QVERIFY(backResult->detail.has_value()); // an empty detail is still a detail
        QCOMPARE(
            backResult->toJson(), json(R"({"v":1,"t":"enrol-result","id":"i","ok":false,"error":"e","detail":""})"));
    }
    void presenceWire()
    {
        Presence presence;
        presence.name = QStringLiteral("beta");
        presence.certificatePem = "PEM";
        presence.online = true;
        presence.lastSeen = QDateTime(QDate(2026, 11, 26), QTime(13, 54, 20), Qt::UTC);
        presence.tcp = QStringLiteral("198.19.2.10:40112");
        presence.udp = QStringLiteral("198.19.2.10:47600");
        presence.relayTag = 7;
        QCOMPARE(presence.toJson(),
            json(R"({"v":1,"t":"presence","name":"beta","cert":"PEM","online":true,"last_seen":"2026-11-26T13:54:20Z",)"
                 R"("tcp":"198.19.2.10:40112","udp":"198.19.2.10:47600","relay_tag":7})"));
        const auto back = Presence::parse(presence.toJson());
        QVERIFY(back);
        QCOMPARE(back->lastSeen, presence.lastSeen);
        QCOMPARE(back->relayTag, 7u);

        Presence never;
        never.name = QStringLiteral("gamma");
        QCOMPARE(
            never.toJson(), json(R"({"v":1,"t":"presence","name":"gamma","cert":"","online":false,"last_seen":""})"));
    }
    void documentsAndRelayWire()
    {
        const QJsonObject body = json(R"({"body":{"version":1},"sig":"x"})");
        const SignedDocument list { SignedDocument::Kind::Revocations, body };
        QCOMPARE(list.toJson(), json(R"({"v":1,"t":"revocations","list":{"body":{"version":1},"sig":"x"}})"));
        QCOMPARE(list.kindName(), QStringLiteral("revocations"));
        const auto policy = SignedDocument::parse(json(R"({"v":1,"t":"policy","policy":{"sig":"y"}})"));
        QVERIFY(policy);
        QVERIFY(policy->kind == SignedDocument::Kind::Policy);
        QCOMPARE(policy->body, json(R"({"sig":"y"})"));
        QVERIFY(!SignedDocument::parse(json(R"({"v":1,"t":"presence"})")));

        QCOMPARE((RelayOpen { QStringLiteral("s"), {}, QStringLiteral("alpha") }.toJson()),
            json(R"({"v":1,"t":"relay-open","stream":"s","from":"alpha"})"));
        QCOMPARE((RelayData { QStringLiteral("s"), QStringLiteral("AAEC") }.toJson()),
            json(R"({"v":1,"t":"relay-data","stream":"s","data":"AAEC"})"));
        QCOMPARE((RelayClose { QStringLiteral("s"), {} }.toJson()), json(R"({"v":1,"t":"relay-close","stream":"s"})"));
        QCOMPARE((RelayClose { QStringLiteral("s"), QStringLiteral("relay.busy") }.toJson()),
            json(R"({"v":1,"t":"relay-close","stream":"s","error":"relay.busy"})"));
        QCOMPARE((BrokerError { QStringLiteral("hello.required"), QStringLiteral("say hello first") }.toJson()),
            json(R"({"v":1,"t":"error","code":"hello.required","detail":"say hello first"})"));
    }
    void oversizedFieldsRefused()
    {
        QJsonObject hello = json(R"({"v":1,"t":"hello","role":"member","project":"p"})");
        hello.insert(QStringLiteral("cert"), longText(MaxPemChars + 1));
        QCOMPARE(Hello::parse(hello).error().code, QStringLiteral("hello.bad_certificate"));
        hello.insert(QStringLiteral("cert"), longText(MaxPemChars));
        QVERIFY(Hello::parse(hello));
        hello.insert(QStringLiteral("sig"), longText(MaxShortChars + 1));
        QCOMPARE(Hello::parse(hello).error().code, QStringLiteral("hello.bad_signature"));

        QJsonObject enrol = Enrol { QStringLiteral("i"), QStringLiteral("n"), {}, {}, {} }.toJson();
        enrol.insert(QStringLiteral("csr"), longText(MaxPemChars + 1));
        QCOMPARE(Enrol::parse(enrol).error().code, QStringLiteral("enrol.bad_request"));

        QJsonObject data = RelayData { QStringLiteral("s"), longText(MaxRelayDataChars) }.toJson();
        QVERIFY(RelayData::parse(data));
        data.insert(QStringLiteral("data"), longText(MaxRelayDataChars + 1));
        QCOMPARE(RelayData::parse(data).error().code, QStringLiteral("relay.too_large"));
        QCOMPARE(MaxRelayDataChars, qsizetype(21849)); // docs/protocol.md 2.7
    }
    void badNumbersRefused()
    {
        QVERIFY(!Welcome::parse(json(R"({"session":"s","relay_tag":4294967296})")));
        QVERIFY(!Welcome::parse(json(R"({"session":"s","relay_tag":-1})")));
        QVERIFY(!Welcome::parse(json(R"({"session":"s","relay_tag":"7"})")));
        QVERIFY(!Welcome::parse(json(R"({"session":"s","stun_alt_port":65536})")));
        QVERIFY(!Presence::parse(json(R"({"name":"n","relay_tag":1.5e10})")));
    }
    void wrongTypesReadAsEmpty()
    {
        // As everywhere in the protocol, a field of the wrong type reads as absent and the handler refuses
        // the empty value with its own code.
        const auto enrol = Enrol::parse(json(R"({"id":7,"name":["x"]})"));
        QVERIFY(enrol);
        QVERIFY(enrol->id.isEmpty());
        QVERIFY(enrol->name.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstBrokerMessages)
#include "tst_brokermessages.moc"
