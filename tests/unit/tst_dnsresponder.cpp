#include "virtualization/dnsresponder.h"

#include <QStringList>
#include <QTest>

using namespace pvc::core;

namespace {
constexpr quint32 AliceIp = 0xf0010002; // 240.1.0.2

quint16 read16(const QByteArray& data, qsizetype at)
{
    return quint16(quint8(data.at(at)) << 8 | quint8(data.at(at + 1)));
}

quint32 read32(const QByteArray& data, qsizetype at)
{
    return quint32(read16(data, at)) << 16 | read16(data, at + 2);
}

void append16(QByteArray& out, quint16 value)
{
    out.append(char(value >> 8));
    out.append(char(value));
}

QByteArray encodeName(const QByteArray& name)
{
    QByteArray out;
    for (const QByteArray& label : name.split('.')) {
        if (label.isEmpty())
            continue;
        out.append(char(label.size()));
        out.append(label);
    }
    out.append('\0');
    return out;
}

enum : quint16 { A = 1, Mx = 15, Txt = 16, Aaaa = 28, Any = 255 };

// A query as a stub resolver sends it: ID 0x1234, RD set, one question.
QByteArray query(const QByteArray& name, quint16 type = A, quint16 qclass = 1, quint8 flags = 0x01)
{
    QByteArray out;
    append16(out, 0x1234);
    out.append(char(flags));
    out.append('\0');
    append16(out, 1);
    append16(out, 0);
    append16(out, 0);
    append16(out, 0);
    out.append(encodeName(name));
    append16(out, type);
    append16(out, qclass);
    return out;
}

// What a resolver would make of a response: a small RFC 1035 reader, independent of the responder,
// that follows compression pointers in answers.
struct Parsed {
    bool ok = false;
    quint16 id = 0;
    bool qr = false, aa = false, tc = false, rd = false, ra = false;
    quint8 opcode = 0, rcode = 0;
    QByteArray questionName;
    quint16 questionType = 0, questionClass = 0;
    struct Record {
        QByteArray name;
        quint16 type = 0, rclass = 0;
        quint32 ttl = 0;
        QByteArray data;
    };
    QList<Record> answers;
    int authority = 0, additional = 0;
};

bool readName(const QByteArray& message, qsizetype& at, QByteArray* name)
{
    QStringList labels;
    qsizetype cursor = at;
    bool jumped = false;
    for (int hops = 0; hops < 16; ++hops) {
        if (cursor >= message.size())
            return false;
        const quint8 length = quint8(message.at(cursor));
        if ((length & 0xc0) == 0xc0) {
            if (cursor + 1 >= message.size())
                return false;
            if (!jumped)
                at = cursor + 2;
            jumped = true;
            cursor = read16(message, cursor) & 0x3fff;
            continue;
        }
        if (length == 0) {
            if (!jumped)
                at = cursor + 1;
            *name = labels.join(QLatin1Char('.')).toLatin1();
            return true;
        }
        if (cursor + 1 + length > message.size())
            return false;
        labels.append(QString::fromLatin1(message.mid(cursor + 1, length)));
        cursor += 1 + length;
    }
    return false;
}

Parsed parse(const QByteArray& message)
{
    Parsed p;
    if (message.size() < 12)
        return p;
    p.id = read16(message, 0);
    const quint8 b2 = quint8(message.at(2)), b3 = quint8(message.at(3));
    p.qr = b2 & 0x80;
    p.opcode = (b2 >> 3) & 0x0f;
    p.aa = b2 & 0x04;
    p.tc = b2 & 0x02;
    p.rd = b2 & 0x01;
    p.ra = b3 & 0x80;
    p.rcode = b3 & 0x0f;
    const int qd = read16(message, 4), an = read16(message, 6);
    p.authority = read16(message, 8);
    p.additional = read16(message, 10);
    qsizetype at = 12;
    if (qd > 1)
        return p;
    if (qd == 1) {
        if (!readName(message, at, &p.questionName) || at + 4 > message.size())
            return p;
        p.questionType = read16(message, at);
        p.questionClass = read16(message, at + 2);
        at += 4;
    }
    for (int i = 0; i < an; ++i) {
        Parsed::Record record;
        if (!readName(message, at, &record.name) || at + 10 > message.size())
            return p;
        record.type = read16(message, at);
        record.rclass = read16(message, at + 2);
        record.ttl = read32(message, at + 4);
        const quint16 length = read16(message, at + 8);
        at += 10;
        if (at + length > message.size())
            return p;
        record.data = message.mid(at, length);
        at += length;
        p.answers.append(record);
    }
    p.ok = at == message.size();
    return p;
}
} // namespace

class TestDnsResponder : public QObject {
    Q_OBJECT

    QStringList m_asked;

    DnsResponder responder(const QString& domain = QStringLiteral("pvc"))
    {
        return DnsResponder(domain, [this](const QString& host) -> std::optional<quint32> {
            m_asked.append(host);
            if (host == QLatin1String("alice"))
                return AliceIp;
            if (host == QLatin1String("master"))
                return 0xf0010001;
            return std::nullopt;
        });
    }

    Parsed ask(const QByteArray& datagram, const QString& domain = QStringLiteral("pvc"))
    {
        const auto response = responder(domain).answer(datagram);
        if (!response)
            return Parsed {};
        const Parsed parsed = parse(*response);
        if (!parsed.ok)
            qWarning("response does not parse: %s", response->toHex().constData());
        return parsed;
    }

private Q_SLOTS:
    void init() { m_asked.clear(); }

    void answersA()
    {
        const QByteArray q = query("alice.pvc");
        const auto response = responder().answer(q);
        QVERIFY(response.has_value());
        const QByteArray& r = *response;

        // Header, byte by byte (RFC 1035 section 4.1.1).
        QCOMPARE(r.size(), q.size() + 16);
        QCOMPARE(read16(r, 0), quint16(0x1234)); // ID copied
        QCOMPARE(quint8(r.at(2)), quint8(0x85)); // QR, opcode 0, AA, not TC, RD copied
        QCOMPARE(quint8(r.at(3)), quint8(0x00)); // RA 0, Z 0, NOERROR
        QCOMPARE(read16(r, 4), quint16(1));
        QCOMPARE(read16(r, 6), quint16(1));
        QCOMPARE(read16(r, 8), quint16(0));
        QCOMPARE(read16(r, 10), quint16(0));
        // The question, echoed.
        QCOMPARE(r.mid(12, q.size() - 12), q.mid(12));
        // The answer: a pointer to the question's name, A, IN, TTL 60, 4 bytes of address.
        const qsizetype at = q.size();
        QCOMPARE(read16(r, at), quint16(0xc00c));
        QCOMPARE(read16(r, at + 2), quint16(A));
        QCOMPARE(read16(r, at + 4), quint16(1));
        QCOMPARE(read32(r, at + 6), quint32(60));
        QCOMPARE(read16(r, at + 10), quint16(4));
        QCOMPARE(r.mid(at + 12), QByteArray("\xf0\x01\x00\x02", 4));
        QCOMPARE(m_asked, QStringList { QStringLiteral("alice") });

        // The same, read as a resolver would.
        const Parsed p = parse(r);
        QVERIFY(p.ok);
        QVERIFY(p.qr && p.aa && p.rd && !p.ra && !p.tc);
        QCOMPARE(p.questionName, QByteArray("alice.pvc"));
        QCOMPARE(p.answers.size(), 1);
        QCOMPARE(p.answers[0].name, QByteArray("alice.pvc"));
        QCOMPARE(p.answers[0].type, quint16(A));
        QCOMPARE(p.answers[0].ttl, DnsResponder::TtlSeconds);
        QCOMPARE(read32(p.answers[0].data, 0), AliceIp);
    }

    void caseInsensitive()
    {
        const QByteArray q = query("AlIcE.PVC.");
        const auto response = responder().answer(q);
        QVERIFY(response.has_value());
        const Parsed p = parse(*response);
        QCOMPARE(p.rcode, quint8(0));
        QCOMPARE(p.answers.size(), 1);
        QCOMPARE(read32(p.answers[0].data, 0), AliceIp);
        QCOMPARE(m_asked, QStringList { QStringLiteral("alice") });
        // The question goes back as it came, so that 0x20-randomising resolvers accept it.
        QCOMPARE(p.questionName, QByteArray("AlIcE.PVC"));
    }

    void domainSpellings()
    {
        for (const char* domain : { "pvc", "pvc.", "PVC" })
            QCOMPARE(ask(query("alice.pvc"), QString::fromLatin1(domain)).answers.size(), 1);
        const Parsed multi = ask(query("master.grid.Example.org"), QStringLiteral("grid.example.org."));
        QCOMPARE(multi.answers.size(), 1);
        QCOMPARE(read32(multi.answers[0].data, 0), quint32(0xf0010001));
    }

    void anyGetsA()
    {
        const Parsed p = ask(query("alice.pvc", Any));
        QCOMPARE(p.rcode, quint8(0));
        QCOMPARE(p.answers.size(), 1);
        QCOMPARE(p.answers[0].type, quint16(A));
    }

    void noDataForOtherTypes()
    {
        for (const quint16 type : { Aaaa, Mx, Txt }) {
            const Parsed p = ask(query("alice.pvc", type));
            QVERIFY(p.ok);
            QCOMPARE(p.rcode, quint8(0)); // NOERROR: the name exists
            QVERIFY(p.aa);
            QCOMPARE(p.answers.size(), 0);
            QCOMPARE(p.questionType, type);
        }
    }

    void nxdomain()
    {
        for (const char* name : { "carol.pvc", "x.alice.pvc", "a-b.pvc", "al_ice.pvc", "caf\xc9.pvc" }) {
            const Parsed p = ask(query(name));
            QVERIFY(p.ok);
            QCOMPARE(p.rcode, quint8(3));
            QVERIFY(p.aa);
            QCOMPARE(p.answers.size(), 0);
            QCOMPARE(p.authority, 0);
        }
        // A deeper name, or a label with other characters, is not a host: the lookup never sees it.
        QCOMPARE(m_asked, (QStringList { QStringLiteral("carol"), QStringLiteral("a-b") }));
        QCOMPARE(ask(query("carol.pvc", Aaaa)).rcode, quint8(3));
    }

    void apex()
    {
        const Parsed p = ask(query("pvc"));
        QCOMPARE(p.rcode, quint8(0));
        QCOMPARE(p.answers.size(), 0);
        QVERIFY(m_asked.isEmpty());
    }

    void refusedOutsideDomain()
    {
        for (const char* name : { "example.com", "alice.pvc.example.com", "alicepvc", "pvc.alice", "" }) {
            const Parsed p = ask(query(name));
            QVERIFY2(p.ok, name);
            QCOMPARE(p.rcode, quint8(5));
            QVERIFY(!p.aa);
            QCOMPARE(p.answers.size(), 0);
        }
        QCOMPARE(ask(query("alice.pvc", A, 3)).rcode, quint8(5)); // class CH
        QVERIFY(m_asked.isEmpty());
    }

    void formErr_data()
    {
        QTest::addColumn<QByteArray>("datagram");
        const QByteArray good = query("alice.pvc");

        QByteArray noQuestion = good.left(12);
        noQuestion[5] = 0;
        QTest::newRow("qdcount 0") << noQuestion;
        QByteArray two = good + good.mid(12);
        two[5] = 2;
        QTest::newRow("qdcount 2") << two;

        QByteArray pointer = good.left(12);
        pointer.append("\x05"
                       "alice",
            6);
        pointer.append("\xc0\x0c", 2);
        pointer.append("\x00\x01\x00\x01", 4);
        QTest::newRow("compression pointer") << pointer;
        QByteArray reserved = good;
        reserved[12] = char(0x45);
        QTest::newRow("label type 01") << reserved;
        QByteArray extended = good;
        extended[12] = char(0x85);
        QTest::newRow("label type 10") << extended;

        QTest::newRow("name cut") << good.left(16);
        QTest::newRow("no terminator") << good.left(22);
        QTest::newRow("no qtype") << good.left(good.size() - 4);
        QTest::newRow("half qclass") << good.left(good.size() - 1);

        QByteArray longName; // 5 labels of 63: 321 bytes on the wire
        for (int i = 0; i < 5; ++i)
            longName += QByteArray(63, 'a') + '.';
        QTest::newRow("name over 255") << query(longName + "pvc");
    }

    void formErr()
    {
        QFETCH(QByteArray, datagram);
        const auto response = responder().answer(datagram);
        QVERIFY(response.has_value());
        const Parsed p = parse(*response);
        QVERIFY(p.ok);
        QCOMPARE(p.id, quint16(0x1234));
        QVERIFY(p.qr);
        QVERIFY(p.rd);
        QVERIFY(!p.aa);
        QCOMPARE(p.rcode, quint8(1));
        QCOMPARE(response->size(), qsizetype(12));
        QVERIFY(m_asked.isEmpty());
    }

    void longestNameIsFine()
    {
        // 3 labels of 63 + one of 57 + "pvc": 255 bytes on the wire, the most RFC 1035 allows.
        QByteArray name;
        for (int i = 0; i < 3; ++i)
            name += QByteArray(63, 'a') + '.';
        name += QByteArray(57, 'b') + ".pvc";
        QCOMPARE(encodeName(name).size(), qsizetype(255));
        const Parsed p = ask(query(name));
        QVERIFY(p.ok);
        QCOMPARE(p.rcode, quint8(3)); // a deep name in our domain: no such host
    }

    void noReply()
    {
        DnsResponder r = responder();
        QVERIFY(!r.answer(QByteArray()).has_value());
        QVERIFY(!r.answer(query("alice.pvc").left(11)).has_value());
        // A response is never answered, so two responders cannot loop.
        QVERIFY(!r.answer(query("alice.pvc", A, 1, 0x81)).has_value());
        const auto response = r.answer(query("alice.pvc"));
        QVERIFY(response.has_value());
        QVERIFY(!r.answer(*response).has_value());
    }

    void oversize()
    {
        DnsResponder r = responder();
        QByteArray big = query("alice.pvc");
        const QByteArray padded = big + QByteArray(DnsResponder::MaxQueryBytes - big.size(), '\0');
        QVERIFY(r.answer(padded).has_value()); // trailing sections are ignored, up to 512 bytes
        QVERIFY(!r.answer(padded + '\0').has_value());
        QVERIFY(m_asked.size() == 1);
    }

    void opcodeNotImplemented()
    {
        const Parsed p = ask(query("alice.pvc", A, 1, 0x10 | 0x01)); // opcode 2, STATUS
        QVERIFY(p.ok);
        QCOMPARE(p.rcode, quint8(4));
        QCOMPARE(p.opcode, quint8(2));
        QVERIFY(m_asked.isEmpty());
    }

    void rdCopiedRaNeverSet()
    {
        const Parsed withoutRd = ask(query("alice.pvc", A, 1, 0x00));
        QVERIFY(!withoutRd.rd);
        QVERIFY(!withoutRd.ra);
        QVERIFY(withoutRd.aa);
        const Parsed withRd = ask(query("alice.pvc"));
        QVERIFY(withRd.rd);
        QVERIFY(!withRd.ra);
    }

    void ednsOptIgnored()
    {
        // dig and systemd-resolved add an OPT record (RFC 6891); we answer without one.
        QByteArray q = query("alice.pvc");
        q[11] = 1;
        q.append("\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 11);
        const Parsed p = ask(q);
        QVERIFY(p.ok);
        QCOMPARE(p.rcode, quint8(0));
        QCOMPARE(p.answers.size(), 1);
        QCOMPARE(p.additional, 0);
    }
};

QTEST_GUILESS_MAIN(TestDnsResponder)
#include "tst_dnsresponder.moc"
