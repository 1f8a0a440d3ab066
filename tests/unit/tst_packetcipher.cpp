#include "tunnel/packetcipher.h"

#include <QTest>
#include <array>
#include <atomic>
#include <cstdlib>
#include <openssl/crypto.h>
#include <vector>

using namespace pvc::core;

namespace {

// Every OpenSSL allocation, to show that sealing and opening allocate nothing. The hooks must be
// installed before OpenSSL's first allocation, hence a static initialiser.
std::atomic<long> g_opensslAllocations { 0 };

void* countingMalloc(size_t size, const char*, int)
{
    ++g_opensslAllocations;
    return std::malloc(size);
}

void* countingRealloc(void* pointer, size_t size, const char*, int)
{
    ++g_opensslAllocations;
    return std::realloc(pointer, size);
}

void countingFree(void* pointer, const char*, int)
{
    std::free(pointer);
}

const bool g_hooksInstalled = CRYPTO_set_mem_functions(countingMalloc, countingRealloc, countingFree) == 1;

using Bytes = std::vector<std::uint8_t>;
using Key = std::array<std::uint8_t, PacketCipher::KeyBytes>;

Key makeKey(std::uint8_t seed)
{
    Key key;
    for (std::size_t i = 0; i < key.size(); ++i)
        key[i] = std::uint8_t(seed + i * 7);
    return key;
}

Bytes makeBytes(std::size_t size, std::uint8_t seed)
{
    Bytes bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = std::uint8_t(seed ^ (i * 31));
    return bytes;
}

Bytes fromHex(const char* hex)
{
    const QByteArray raw = QByteArray::fromHex(QByteArray(hex));
    return Bytes(raw.begin(), raw.end());
}

} // namespace

class TestPacketCipher : public QObject {
    Q_OBJECT

    Bytes m_aad = makeBytes(16, 0x11);

    Bytes seal(PacketCipher& cipher, std::uint64_t counter, const Bytes& plain)
    {
        Bytes out(plain.size() + PacketCipher::TagBytes);
        const std::size_t size = cipher.seal(counter, m_aad, plain, out);
        out.resize(size);
        return out;
    }

    bool open(PacketCipher& cipher, std::uint64_t counter, const Bytes& aad, const Bytes& sealed, Bytes* plain)
    {
        plain->assign(sealed.size(), 0);
        const std::ptrdiff_t size = cipher.open(counter, aad, sealed, *plain);
        if (size < 0)
            return false;
        plain->resize(std::size_t(size));
        return true;
    }

private Q_SLOTS:
    void roundTrip_data()
    {
        QTest::addColumn<int>("size");
        for (int size : { 0, 1, 15, 16, 17, 64, 1400, 65503 })
            QTest::newRow(qPrintable(QString::number(size))) << size;
    }

    void roundTrip()
    {
        QFETCH(int, size);
        PacketCipher cipher;
        QVERIFY(cipher.setKey(makeKey(1)));
        const Bytes plain = makeBytes(std::size_t(size), 0x42);
        const Bytes sealed = seal(cipher, 9, plain);
        QCOMPARE(sealed.size(), plain.size() + 16);
        if (size > 0)
            QVERIFY(!std::equal(plain.begin(), plain.end(), sealed.begin()));
        Bytes opened;
        QVERIFY(open(cipher, 9, m_aad, sealed, &opened));
        QVERIFY(opened == plain);
    }

    void inPlace()
    {
        PacketCipher cipher;
        QVERIFY(cipher.setKey(makeKey(2)));
        const Bytes plain = makeBytes(1400, 0x17);
        Bytes buffer = plain;
        buffer.resize(1400 + 16);
        const std::span<const std::uint8_t> input(buffer.data(), 1400);
        QCOMPARE(cipher.seal(5, m_aad, input, buffer), std::size_t(1416));
        QVERIFY(buffer == seal(cipher, 5, plain)); // same bytes as sealing out of place
        QCOMPARE(cipher.open(5, m_aad, buffer, buffer), std::ptrdiff_t(1400));
        QVERIFY(std::equal(plain.begin(), plain.end(), buffer.begin()));
    }

    void partialOverlapRefused()
    {
        PacketCipher cipher;
        QVERIFY(cipher.setKey(makeKey(2)));
        Bytes buffer(200);
        QCOMPARE(cipher.seal(1, m_aad, std::span(buffer.data(), 100), std::span(buffer.data() + 8, 150)), 0u);
    }

    void tamperingFails()
    {
        PacketCipher cipher;
        QVERIFY(cipher.setKey(makeKey(3)));
        const Bytes plain = makeBytes(300, 0x99);
        const Bytes sealed = seal(cipher, 77, plain);
        Bytes out;
        QVERIFY(open(cipher, 77, m_aad, sealed, &out));

        for (std::size_t at : { std::size_t(0), std::size_t(150), std::size_t(299) }) { // ciphertext
            Bytes bad = sealed;
            bad[at] ^= 0x01;
            QVERIFY(!open(cipher, 77, m_aad, bad, &out));
        }
        for (std::size_t at : { std::size_t(300), std::size_t(315) }) { // tag
            Bytes bad = sealed;
            bad[at] ^= 0x80;
            QVERIFY(!open(cipher, 77, m_aad, bad, &out));
        }
        for (std::size_t at : { std::size_t(0), std::size_t(2), std::size_t(15) }) { // header
            Bytes aad = m_aad;
            aad[at] ^= 0x04;
            QVERIFY(!open(cipher, 77, aad, sealed, &out));
        }
        QVERIFY(!open(cipher, 78, m_aad, sealed, &out)); // another counter, another nonce
        Bytes truncated(sealed.begin(), sealed.end() - 1);
        QVERIFY(!open(cipher, 77, m_aad, truncated, &out));
        QVERIFY(!open(cipher, 77, m_aad, Bytes(15), &out)); // shorter than a tag
        // The genuine packet still opens: failures leave no state behind.
        QVERIFY(open(cipher, 77, m_aad, sealed, &out));
        QVERIFY(out == plain);
    }

    void wrongKeyFails()
    {
        PacketCipher sender;
        PacketCipher receiver;
        QVERIFY(sender.setKey(makeKey(4)));
        QVERIFY(receiver.setKey(makeKey(5)));
        const Bytes sealed = seal(sender, 1, makeBytes(64, 1));
        Bytes out;
        QVERIFY(!open(receiver, 1, m_aad, sealed, &out));
        // Rekeying an instance replaces the key; the old ciphertext no longer opens under it.
        QVERIFY(receiver.setKey(makeKey(4)));
        QVERIFY(open(receiver, 1, m_aad, sealed, &out));
        QVERIFY(sender.setKey(makeKey(6)));
        QVERIFY(seal(sender, 1, makeBytes(64, 1)) != sealed);
    }

    void contextReuseIsStateless()
    {
        // The same (key, counter, input) seals to the same bytes, whatever was sealed in between.
        PacketCipher cipher;
        QVERIFY(cipher.setKey(makeKey(7)));
        const Bytes first = seal(cipher, 100, makeBytes(500, 3));
        seal(cipher, 101, makeBytes(1400, 4));
        Bytes out;
        QVERIFY(!open(cipher, 100, m_aad, makeBytes(40, 9), &out));
        QVERIFY(seal(cipher, 100, makeBytes(500, 3)) == first);
        PacketCipher fresh;
        QVERIFY(fresh.setKey(makeKey(7)));
        QVERIFY(seal(fresh, 100, makeBytes(500, 3)) == first);
    }

    void refusesWithoutKeyOrRoom()
    {
        PacketCipher cipher;
        QVERIFY(!cipher.hasKey());
        Bytes out(64);
        const Bytes plain = makeBytes(16, 1);
        QCOMPARE(cipher.seal(1, m_aad, plain, out), 0u);
        QCOMPARE(cipher.open(1, m_aad, out, out), std::ptrdiff_t(-1));
        QVERIFY(cipher.setKey(makeKey(8)));
        Bytes small(31);
        QCOMPARE(cipher.seal(1, m_aad, plain, small), 0u);
        QCOMPARE(cipher.seal(1, m_aad, plain, out), 32u);
    }

    // RFC 8439 section 2.8.2, through the same seal/open calls the tunnel makes: the nonce there
    // is 07 00 00 00 || 40 41 42 43 44 45 46 47, so prefix 0x07000000 and counter 0x4041424344454647.
    void rfc8439Vector()
    {
        Key key;
        for (std::size_t i = 0; i < key.size(); ++i)
            key[i] = std::uint8_t(0x80 + i);
        const QByteArray text = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
                                "future, sunscreen would be it.";
        const Bytes plain(text.begin(), text.end());
        const Bytes aad = fromHex("50515253c0c1c2c3c4c5c6c7");
        const Bytes expected = fromHex("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
                                       "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
                                       "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
                                       "3ff4def08e4b7a9de576d26586cec64b6116"
                                       "1ae10b594f09e26a7e902ecbd0600691");
        QCOMPARE(plain.size(), std::size_t(114));
        PacketCipher cipher;
        QVERIFY(cipher.setKey(key, 0x07000000));
        Bytes sealed(plain.size() + 16);
        QCOMPARE(cipher.seal(0x4041424344454647ULL, aad, plain, sealed), expected.size());
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(sealed.data()), qsizetype(sealed.size())).toHex(),
            QByteArray(reinterpret_cast<const char*>(expected.data()), qsizetype(expected.size())).toHex());
        Bytes opened;
        QVERIFY(open(cipher, 0x4041424344454647ULL, aad, expected, &opened));
        QVERIFY(opened == plain);
    }

    void noAllocationPerPacket()
    {
        if (!g_hooksInstalled)
            QSKIP("OpenSSL allocated before the counting hooks could be installed");
        PacketCipher cipher;
        QVERIFY(cipher.setKey(makeKey(9)));
        Bytes buffer(1400 + 16);
        const Bytes aad = m_aad;
        // The first packet may fetch the implementation; nothing after it may allocate.
        cipher.seal(0, aad, std::span(buffer.data(), 1400), buffer);
        cipher.open(0, aad, buffer, buffer);
        const long before = g_opensslAllocations.load();
        for (std::uint64_t counter = 1; counter <= 1000; ++counter) {
            QCOMPARE(cipher.seal(counter, aad, std::span(buffer.data(), 1400), buffer), std::size_t(1416));
            QCOMPARE(cipher.open(counter, aad, buffer, buffer), std::ptrdiff_t(1400));
            if (counter % 100 == 0) // rekeying reuses the contexts as well
                QVERIFY(cipher.setKey(makeKey(std::uint8_t(counter))));
        }
        buffer[3] ^= 1;
        QCOMPARE(cipher.open(1000, aad, buffer, buffer), std::ptrdiff_t(-1));
        QCOMPARE(g_opensslAllocations.load(), before);
    }
};

QTEST_GUILESS_MAIN(TestPacketCipher)
#include "tst_packetcipher.moc"
