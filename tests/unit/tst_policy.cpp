#include "security/keys.h"
#include "security/policy.h"
#include "testpackets.h"
#include "tunnel/conntrack.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace pvc::core;
using namespace pvc::test;

namespace {
constexpr quint32 MasterIp = ip(240, 1, 0, 1);
constexpr quint32 AliceIp = ip(240, 1, 0, 2);
constexpr quint32 BobIp = ip(240, 1, 0, 3);

const Endpoint Master { QStringLiteral("master"), { QStringLiteral("master") } };
const Endpoint Alice { QStringLiteral("alice"), { QStringLiteral("volunteer") } };
const Endpoint Bob { QStringLiteral("bob"), { QStringLiteral("volunteer"), QStringLiteral("gpu") } };

// The grid's global policy (DESIGN.md, Grid layer): volunteers reach the master's manager port, and
// nothing else.
const QByteArray MasterOnly
    = R"({"format":"pvc-policy-1","rules":[{"from":"any","to":"group:master","proto":"tcp","ports":"9123"}]})";

Policy parsed(const QByteArray& json)
{
    const auto policy = Policy::parse(json);
    if (!policy)
        qFatal("test policy does not parse: %s", qPrintable(policy.error().detail));
    return *policy;
}

QByteArray withRule(const QByteArray& rule)
{
    return R"({"format":"pvc-policy-1","rules":[)" + rule + "]}";
}
} // namespace

class TestPolicy : public QObject {
    Q_OBJECT

    keys::KeyPair m_ca;
    keys::KeyPair m_otherCa;
    const QString m_project = QStringLiteral("3f1c0a9e5b7d2468ace013579bdf2468ace013579bdf2468ace013579bdf2468");

    PolicySet globalOnly(const QByteArray& json) const
    {
        PolicySet set;
        set.setGlobal(parsed(json));
        return set;
    }

    SignedPolicy sample() const
    {
        SignedPolicy signedPolicy;
        signedPolicy.project = m_project;
        signedPolicy.version = 3;
        signedPolicy.issued = QDateTime(QDate(2025, 2, 1), QTime(9, 0, 0), Qt::UTC);
        signedPolicy.policy = parsed(MasterOnly);
        return signedPolicy;
    }

    // Signs a hand-made body exactly as docs/policy.md describes, without SignedPolicy::sign.
    QJsonObject signBody(const QJsonObject& body, const QByteArray& privatePem) const
    {
        const QByteArray message = "pvc-policy-v1\n" + QJsonDocument(body).toJson(QJsonDocument::Compact);
        const auto signature = keys::sign(privatePem, message);
        if (!signature)
            qFatal("cannot sign");
        return QJsonObject { { QStringLiteral("body"), body },
            { QStringLiteral("sig"), QString::fromLatin1(signature->toBase64()) } };
    }

private Q_SLOTS:
    void initTestCase()
    {
        const auto ca = keys::generateEd25519();
        const auto other = keys::generateEd25519();
        QVERIFY(ca.ok() && other.ok());
        m_ca = *ca;
        m_otherCa = *other;
    }

    void parsesAndRoundTrips()
    {
        const QByteArray json = R"({"format":"pvc-policy-1","rules":[
            {"from":"any","to":"group:master","proto":"tcp","ports":"9123"},
            {"from":"host:alice","to":"any","proto":"udp","ports":"8000-8100"},
            {"from":"group:gpu","to":"host:bob","proto":"icmp"},
            {"from":"group:admin","to":"any","proto":"any","ports":"any"},
            {"from":"any","to":"any","proto":"tcp"}]})";
        const auto policy = Policy::parse(json);
        QVERIFY2(policy.ok(), qPrintable(policy.error().detail));
        QCOMPARE(policy->ruleCount(), 5);

        const QJsonObject canonical = policy->toJson();
        QCOMPARE(canonical.value(QLatin1String("format")).toString(), QStringLiteral("pvc-policy-1"));
        const QJsonArray rules = canonical.value(QLatin1String("rules")).toArray();
        QCOMPARE(rules.size(), 5);
        QCOMPARE(rules.at(0).toObject().value(QLatin1String("ports")).toString(), QStringLiteral("9123"));
        QCOMPARE(rules.at(1).toObject().value(QLatin1String("ports")).toString(), QStringLiteral("8000-8100"));
        QVERIFY(!rules.at(2).toObject().contains(QLatin1String("ports")));
        QCOMPARE(rules.at(4).toObject().value(QLatin1String("ports")).toString(), QStringLiteral("any"));

        const auto again = Policy::parse(QJsonDocument(canonical).toJson());
        QVERIFY(again.ok());
        QCOMPARE(again->toJson(), canonical);
    }

    void emptyRulesAllowNothing()
    {
        const Policy policy = parsed(R"({"format":"pvc-policy-1","rules":[]})");
        QCOMPARE(policy.ruleCount(), 0);
        QVERIFY(!policy.allowsNew(Alice, Master, ipproto::Tcp, 9123));
        QVERIFY(!Policy().allowsNew(Alice, Master, ipproto::Tcp, 9123));
    }

    void parseErrors_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("code");

        const QString badRule = QStringLiteral("policy.bad_rule");
        QTest::newRow("too large") << QByteArray(Policy::MaxBytes + 1, ' ') << QStringLiteral("policy.too_large");
        QTest::newRow("not json") << QByteArray("{\"format\":") << QStringLiteral("policy.malformed");
        QTest::newRow("array") << QByteArray("[]") << QStringLiteral("policy.malformed");
        QTest::newRow("no format") << QByteArray(R"({"rules":[]})") << QStringLiteral("policy.bad_format");
        QTest::newRow("format 2") << QByteArray(R"({"format":"pvc-policy-2","rules":[]})")
                                  << QStringLiteral("policy.bad_format");
        QTest::newRow("extra field") << QByteArray(R"({"format":"pvc-policy-1","rules":[],"default":"allow"})")
                                     << QStringLiteral("policy.malformed");
        QTest::newRow("no rules") << QByteArray(R"({"format":"pvc-policy-1"})") << QStringLiteral("policy.malformed");
        QTest::newRow("rules object") << QByteArray(R"({"format":"pvc-policy-1","rules":{}})")
                                      << QStringLiteral("policy.malformed");
        QTest::newRow("rule not object") << withRule("\"allow all\"") << badRule;
        QTest::newRow("missing from") << withRule(R"({"to":"any","proto":"any"})") << badRule;
        QTest::newRow("missing proto") << withRule(R"({"from":"any","to":"any"})") << badRule;
        QTest::newRow("unknown field") << withRule(R"({"from":"any","to":"any","proto":"tcp","port":"22"})") << badRule;
        QTest::newRow("bare name") << withRule(R"({"from":"alice","to":"any","proto":"any"})") << badRule;
        QTest::newRow("empty group") << withRule(R"({"from":"group:","to":"any","proto":"any"})") << badRule;
        QTest::newRow("upper case") << withRule(R"({"from":"host:Alice","to":"any","proto":"any"})") << badRule;
        QTest::newRow("underscore") << withRule(R"({"from":"any","to":"group:a_b","proto":"any"})") << badRule;
        QTest::newRow("trailing dash") << withRule(R"({"from":"any","to":"host:a-","proto":"any"})") << badRule;
        QTest::newRow("name too long") << withRule(
            "{\"from\":\"host:" + QByteArray(64, 'a') + "\",\"to\":\"any\",\"proto\":\"any\"}")
                                       << badRule;
        QTest::newRow("selector number") << withRule(R"({"from":1,"to":"any","proto":"any"})") << badRule;
        QTest::newRow("sctp") << withRule(R"({"from":"any","to":"any","proto":"sctp"})") << badRule;
        QTest::newRow("proto case") << withRule(R"({"from":"any","to":"any","proto":"TCP"})") << badRule;
        QTest::newRow("port number") << withRule(R"({"from":"any","to":"any","proto":"tcp","ports":9123})") << badRule;
        for (const char* ports : { "0", "65536", "100-50", "1-2-3", " 80", "+80", "080", "80-", "-80", "", "x" })
            QTest::newRow(qPrintable(QStringLiteral("ports '%1'").arg(QLatin1String(ports)))) << withRule(
                R"({"from":"any","to":"any","proto":"udp","ports":)"
                "\""
                + QByteArray(ports) + "\"}") << badRule;
        QTest::newRow("ports on icmp") << withRule(R"({"from":"any","to":"any","proto":"icmp","ports":"1"})")
                                       << badRule;
        QTest::newRow("ports on any") << withRule(R"({"from":"any","to":"any","proto":"any","ports":"22"})") << badRule;

        QByteArray many;
        for (int i = 0; i <= Policy::MaxRules; ++i)
            many += QByteArray(i ? "," : "") + R"({"from":"any","to":"any","proto":"icmp"})";
        QTest::newRow("257 rules") << withRule(many) << QStringLiteral("policy.too_many_rules");

        const QString badManager = QStringLiteral("policy.bad_manager");
        for (const char* manager : { "\"master\"", "\"master:\"", "\":9123\"", "\"Master:9123\"", "\"master:0\"",
                 "\"master:65536\"", "\"master:09123\"", "\"master.pvc:9123\"", "9123", "null", "\"a:b:9123\"" })
            QTest::newRow(qPrintable(QStringLiteral("manager %1").arg(QLatin1String(manager)))) << QByteArray(
                R"({"format":"pvc-policy-1","rules":[],"manager":)" + QByteArray(manager) + "}") << badManager;
    }

    void managerField()
    {
        const Policy none = parsed(R"({"format":"pvc-policy-1","rules":[]})");
        QVERIFY(!none.manager());
        QVERIFY(!none.toJson().contains(QLatin1String("manager")));

        const Policy moved = parsed(R"({"format":"pvc-policy-1","rules":[],"manager":"gridhead:7000"})");
        QVERIFY(moved.manager());
        QCOMPARE(moved.manager()->host, QStringLiteral("gridhead"));
        QCOMPARE(moved.manager()->port, quint16(7000));
        QCOMPARE(moved.toJson().value(QLatin1String("manager")).toString(), QStringLiteral("gridhead:7000"));

        PolicySet set;
        QCOMPARE(set.manager().toString(), QStringLiteral("master:9123"));
        set.setGlobal(none);
        QCOMPARE(set.manager().toString(), QStringLiteral("master:9123"));
        set.setLocal(moved); // a local policy does not move the project's manager
        QCOMPARE(set.manager().toString(), QStringLiteral("master:9123"));
        set.setGlobal(moved);
        QCOMPARE(set.manager().toString(), QStringLiteral("gridhead:7000"));
    }

    void parseErrors()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, code);
        const auto policy = Policy::parse(json);
        QVERIFY2(!policy.ok(), "a bad policy was accepted");
        QCOMPARE(policy.error().code, code);
        QVERIFY(!policy.error().detail.isEmpty());
    }

    void badRuleNamesTheRule()
    {
        const auto policy = Policy::parse(withRule(
            R"({"from":"any","to":"any","proto":"icmp"},{"from":"any","to":"any","proto":"udp","ports":"0"})"));
        QVERIFY(!policy.ok());
        QVERIFY2(policy.error().detail.startsWith(QLatin1String("rule 2:")), qPrintable(policy.error().detail));
        QVERIFY(policy.error().detail.contains(QLatin1String("ports")));
    }

    void maxRulesAccepted()
    {
        QByteArray many;
        for (int i = 0; i < Policy::MaxRules; ++i)
            many += QByteArray(i ? "," : "") + R"({"from":"any","to":"any","proto":"icmp"})";
        const auto policy = Policy::parse(withRule(many));
        QVERIFY(policy.ok());
        QCOMPARE(policy->ruleCount(), 256);
    }

    void selectorsAndPorts()
    {
        const Policy policy
            = parsed(withRule(R"({"from":"host:alice","to":"group:gpu","proto":"udp","ports":"8000-8100"},
            {"from":"group:gpu","to":"any","proto":"icmp"})"));
        QVERIFY(policy.allowsNew(Alice, Bob, ipproto::Udp, 8000));
        QVERIFY(policy.allowsNew(Alice, Bob, ipproto::Udp, 8100));
        QVERIFY(!policy.allowsNew(Alice, Bob, ipproto::Udp, 7999));
        QVERIFY(!policy.allowsNew(Alice, Bob, ipproto::Udp, 8101));
        QVERIFY(!policy.allowsNew(Alice, Bob, ipproto::Tcp, 8000));
        QVERIFY(!policy.allowsNew(Alice, Master, ipproto::Udp, 8000)); // master is not in gpu
        QVERIFY(!policy.allowsNew(Bob, Bob, ipproto::Udp, 8000)); // host:alice only
        QVERIFY(policy.allowsNew(Bob, Master, ipproto::Icmp, 0));
        QVERIFY(!policy.allowsNew(Alice, Master, ipproto::Icmp, 0));

        // "any" protocol covers every IP protocol, ports and all.
        const Policy any = parsed(withRule(R"({"from":"any","to":"any","proto":"any"})"));
        QVERIFY(any.allowsNew(Alice, Bob, 47, 0));
        QVERIFY(any.allowsNew(Alice, Bob, ipproto::Tcp, 22));
    }

    // The grid scenario: the global policy lets everyone reach only the master's TCP 9123.
    void masterOnlyScenario()
    {
        const PolicySet set = globalOnly(MasterOnly);
        QVERIFY(set.allowsNew(Alice, Master, ipproto::Tcp, 9123));
        QVERIFY(!set.allowsNew(Alice, Master, ipproto::Tcp, 22));
        QVERIFY(!set.allowsNew(Alice, Master, ipproto::Udp, 9123));
        QVERIFY(!set.allowsNew(Alice, Master, ipproto::Icmp, 0));
        QVERIFY(!set.allowsNew(Alice, Bob, ipproto::Tcp, 9123));
        QVERIFY(!set.allowsNew(Bob, Alice, ipproto::Tcp, 9123));
        QVERIFY(!set.allowsNew(Master, Alice, ipproto::Tcp, 9123));
    }

    // The same scenario on packets: the volunteer's worker connects out to the master; the
    // master's replies reach it, but nothing else does.
    void masterOnlyOnPackets()
    {
        auto set = std::make_shared<PolicySet>(globalOnly(MasterOnly));

        Conntrack master(MasterIp, Master, 64);
        master.setPolicy(set);
        Conntrack alice(AliceIp, Alice, 64);
        alice.setPolicy(set);
        const PeerIdentity aliceAsPeer { AliceIp, Alice };
        const PeerIdentity bobAsPeer { BobIp, Bob };
        const PeerIdentity masterAsPeer { MasterIp, Master };

        const QByteArray syn = tcp(AliceIp, 40000, MasterIp, 9123, tcpflag::Syn);
        QVERIFY(alice.outbound(view(syn), 0));
        QCOMPARE(master.inbound(view(syn), aliceAsPeer, 1), Conntrack::Verdict::New);
        const QByteArray synAck = tcp(MasterIp, 9123, AliceIp, 40000, tcpflag::Syn | tcpflag::Ack);
        QVERIFY(master.outbound(view(synAck), 2));
        QCOMPARE(alice.inbound(view(synAck), masterAsPeer, 3), Conntrack::Verdict::Established);

        QCOMPARE(master.inbound(view(tcp(AliceIp, 40001, MasterIp, 22, tcpflag::Syn)), aliceAsPeer, 4),
            Conntrack::Verdict::RefusedByPolicy);
        QCOMPARE(alice.inbound(view(tcp(BobIp, 40000, AliceIp, 9123, tcpflag::Syn)), bobAsPeer, 5),
            Conntrack::Verdict::RefusedByPolicy);
        QCOMPARE(alice.inbound(view(tcp(MasterIp, 9123, AliceIp, 40001, tcpflag::Ack)), masterAsPeer, 6),
            Conntrack::Verdict::RefusedByPolicy);
    }

    void localNarrowsButNeverWidens()
    {
        PolicySet set = globalOnly(R"({"format":"pvc-policy-1","rules":[
            {"from":"any","to":"group:master","proto":"tcp","ports":"9123"},
            {"from":"any","to":"group:master","proto":"icmp"}]})");
        QVERIFY(set.allowsNew(Bob, Master, ipproto::Tcp, 9123));
        QVERIFY(set.allowsNew(Bob, Master, ipproto::Icmp, 0));

        set.setLocal(parsed(withRule(R"({"from":"host:alice","to":"any","proto":"tcp","ports":"9000-9999"})")));
        QVERIFY(set.hasLocal());
        QVERIFY(set.allowsNew(Alice, Master, ipproto::Tcp, 9123));
        QVERIFY(!set.allowsNew(Bob, Master, ipproto::Tcp, 9123));
        QVERIFY(!set.allowsNew(Alice, Master, ipproto::Icmp, 0));

        set.setLocal(parsed(withRule(R"({"from":"any","to":"any","proto":"any"})")));
        QVERIFY(!set.allowsNew(Alice, Master, ipproto::Tcp, 22));
        QVERIFY(!set.allowsNew(Alice, Bob, ipproto::Tcp, 9123));
        QVERIFY(set.allowsNew(Bob, Master, ipproto::Tcp, 9123));

        set.setLocal(parsed(R"({"format":"pvc-policy-1","rules":[]})"));
        QVERIFY(!set.allowsNew(Bob, Master, ipproto::Tcp, 9123));

        set.clearLocal();
        QVERIFY(!set.hasLocal());
        QVERIFY(set.allowsNew(Bob, Master, ipproto::Tcp, 9123));
    }

    void noGlobalDeniesAll()
    {
        PolicySet set;
        QVERIFY(!set.hasGlobal());
        set.setLocal(parsed(withRule(R"({"from":"any","to":"any","proto":"any"})")));
        QVERIFY(!set.allowsNew(Alice, Master, ipproto::Tcp, 9123));
    }

    void signedRoundTrip()
    {
        const auto signedPolicy = sample().sign(m_ca.privatePem);
        QVERIFY2(signedPolicy.ok(), qPrintable(signedPolicy.error().code));
        QCOMPARE(QByteArray::fromBase64(signedPolicy->value(QLatin1String("sig")).toString().toLatin1()).size(),
            qsizetype(64));

        const auto verified = SignedPolicy::verify(*signedPolicy, m_ca.publicPem, m_project);
        QVERIFY2(verified.ok(), qPrintable(verified.error().code));
        QCOMPARE(verified->project, m_project);
        QCOMPARE(verified->version, qint64(3));
        QCOMPARE(verified->issued, sample().issued);
        QCOMPARE(verified->policy.toJson(), parsed(MasterOnly).toJson());
        QVERIFY(verified->policy.allowsNew(Alice, Master, ipproto::Tcp, 9123));

        // A broker may re-serialise the JSON; the signature covers the canonical form, not the bytes.
        const QByteArray pretty = QJsonDocument(*signedPolicy).toJson(QJsonDocument::Indented);
        QVERIFY(SignedPolicy::verify(QJsonDocument::fromJson(pretty).object(), m_ca.publicPem, m_project).ok());
    }

    void signedMessageFormat()
    {
        // A signature made independently over the documented message verifies.
        const QJsonObject body { { QStringLiteral("project"), m_project }, { QStringLiteral("version"), 9 },
            { QStringLiteral("issued"), QStringLiteral("2025-03-01T00:00:00Z") },
            { QStringLiteral("policy"), parsed(MasterOnly).toJson() } };
        const auto verified = SignedPolicy::verify(signBody(body, m_ca.privatePem), m_ca.publicPem, m_project);
        QVERIFY2(verified.ok(), qPrintable(verified.error().code));
        QCOMPARE(verified->version, qint64(9));
    }

    void signedRefusals()
    {
        const QJsonObject good = *sample().sign(m_ca.privatePem);
        const auto expect = [&](const QJsonObject& signedPolicy, const char* code) {
            const auto verified = SignedPolicy::verify(signedPolicy, m_ca.publicPem, m_project);
            QVERIFY2(!verified.ok(), code);
            QCOMPARE(verified.error().code, QString::fromLatin1(code));
        };

        expect(*sample().sign(m_otherCa.privatePem), "policy.bad_signature");

        QJsonObject body = good.value(QLatin1String("body")).toObject();
        QJsonObject widened = parsed(withRule(R"({"from":"any","to":"any","proto":"any"})")).toJson();
        body.insert(QStringLiteral("policy"), widened);
        QJsonObject tampered = good;
        tampered.insert(QStringLiteral("body"), body);
        expect(tampered, "policy.bad_signature");

        SignedPolicy other = sample();
        other.project = QStringLiteral("0000");
        expect(*other.sign(m_ca.privatePem), "policy.wrong_project");

        QJsonObject noSig = good;
        noSig.remove(QStringLiteral("sig"));
        expect(noSig, "policy.malformed");
        QJsonObject shortSig = good;
        shortSig.insert(QStringLiteral("sig"), QStringLiteral("AAAA"));
        expect(shortSig, "policy.malformed");
        expect(QJsonObject { { QStringLiteral("sig"), good.value(QLatin1String("sig")) } }, "policy.malformed");

        // Well signed, but not a policy this version can use.
        QJsonObject negative = good.value(QLatin1String("body")).toObject();
        negative.insert(QStringLiteral("version"), -1);
        expect(signBody(negative, m_ca.privatePem), "policy.malformed");
        QJsonObject noPolicy = good.value(QLatin1String("body")).toObject();
        noPolicy.remove(QStringLiteral("policy"));
        expect(signBody(noPolicy, m_ca.privatePem), "policy.malformed");
        QJsonObject future = good.value(QLatin1String("body")).toObject();
        future.insert(QStringLiteral("policy"),
            QJsonObject { { QStringLiteral("format"), QStringLiteral("pvc-policy-2") },
                { QStringLiteral("rules"), QJsonArray() } });
        expect(signBody(future, m_ca.privatePem), "policy.bad_format");
        QJsonObject badRule = good.value(QLatin1String("body")).toObject();
        badRule.insert(QStringLiteral("policy"),
            QJsonDocument::fromJson(withRule(R"({"from":"any","to":"any","proto":"gre"})")).object());
        expect(signBody(badRule, m_ca.privatePem), "policy.bad_rule");
    }
};

QTEST_GUILESS_MAIN(TestPolicy)
#include "tst_policy.moc"
