// A small stand-in for libFuzzer, so that every fuzz target runs in the ordinary (GCC) build and in
// ctest: it replays the seed corpus, then a fixed, reproducible series of mutations of it.
//
//   fuzz_x SEED_DIR [ITERATIONS [SECONDS]]   seeds, then up to ITERATIONS mutations (default 20000)
//                                           within SECONDS (default 5)
//   fuzz_x FILE                              one input, e.g. a saved crash
//
// If an input crashes the target (a signal, or a sanitizer report), it is written to
// crash-<target> in the current directory before the process dies.
#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional, as in libFuzzer: called once before the first input.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));
// Provided by the sanitizer runtimes when they are linked in.
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));

namespace {

using Bytes = std::vector<uint8_t>;

constexpr size_t MaxInputBytes = 80 * 1024; // above every target's own limits, so those are exercised too
constexpr uint64_t FixedSeed = 0x5eed5eed5eed5eedULL;

// The input being run, for the crash handlers; they may only use async-signal-safe calls.
const Bytes* g_current = nullptr;
char g_crashPath[512] = "crash-input";

void saveCurrentInput()
{
    if (!g_current)
        return;
    const int fd = ::open(g_crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    size_t written = 0;
    while (written < g_current->size()) {
        const ssize_t n = ::write(fd, g_current->data() + written, g_current->size() - written);
        if (n <= 0)
            break;
        written += size_t(n);
    }
    ::close(fd);
    const char note[] = "fuzz: crashing input saved to ";
    [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, note, sizeof(note) - 1);
    ignored = ::write(STDERR_FILENO, g_crashPath, std::strlen(g_crashPath));
    ignored = ::write(STDERR_FILENO, "\n", 1);
    g_current = nullptr;
}

void handleCrashSignal(int signal)
{
    saveCurrentInput();
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

void installCrashHandlers(const std::string& target)
{
    std::snprintf(g_crashPath, sizeof(g_crashPath), "crash-%s", target.c_str());
    // A target's own invariant checks abort(), which sanitizers leave alone.
    std::signal(SIGABRT, handleCrashSignal);
    if (__sanitizer_set_death_callback) {
        // The sanitizer reports faults itself, with a stack; it calls us just before exiting.
        __sanitizer_set_death_callback(saveCurrentInput);
        return;
    }
    for (int signal : { SIGSEGV, SIGBUS, SIGILL, SIGFPE })
        std::signal(signal, handleCrashSignal);
}

void run(const Bytes& input)
{
    g_current = &input;
    // An exact-size copy, so that AddressSanitizer sees a read one byte past the end (a vector's spare
    // capacity would hide it). The empty input comes as a null pointer, as libFuzzer may pass it.
    const std::unique_ptr<uint8_t[]> copy(input.empty() ? nullptr : new uint8_t[input.size()]);
    if (copy)
        std::memcpy(copy.get(), input.data(), input.size());
    LLVMFuzzerTestOneInput(copy.get(), input.size());
    g_current = nullptr;
}

bool readFile(const std::filesystem::path& path, Bytes* out)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return false;
    out->assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    return true;
}

// splitmix64: tiny, fast and the same everywhere, so a failing run can be repeated exactly.
class Random {
public:
    explicit Random(uint64_t seed)
        : m_state(seed)
    {
    }
    uint64_t next()
    {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform enough in [0, n); n > 0.
    size_t below(size_t n) { return size_t(next() % n); }
    bool oneIn(size_t n) { return below(n) == 0; }

private:
    uint64_t m_state;
};

// Values that sit on the edges of length checks, sizes and signedness.
constexpr std::array<uint32_t, 16> Interesting32 = { 0u, 1u, 2u, 3u, 4u, 0x7fu, 0x80u, 0xffu, 0x100u, 0x7fffu, 0x8000u,
    0xffffu, 0x10000u, 0x10004u, 0x7fffffffu, 0xffffffffu };

// Fragments that steer JSON, PEM and token parsers into their less travelled corners.
const std::array<const char*, 24> Tokens = { "{", "}", "[", "]", "\"", ":", ",", "\\", "\\u0000", "\\ud800", "null",
    "true", "-1", "1e400", "0.5", "18446744073709551616", "\"v\":2", "\"t\":1", "-----BEGIN CERTIFICATE-----\n",
    "-----END CERTIFICATE-----\n", "=", "pvc1-", "/16", ":65536" };

void putU32(Bytes& data, size_t at, uint32_t value, bool bigEndian)
{
    for (size_t i = 0; i < 4 && at + i < data.size(); ++i)
        data[at + i] = uint8_t(bigEndian ? value >> (24 - 8 * i) : value >> (8 * i));
}

void mutateOnce(Bytes& data, const std::vector<Bytes>& seeds, Random& random)
{
    const size_t size = data.size();
    switch (random.below(11)) {
    case 0: // flip one bit
        if (size)
            data[random.below(size)] ^= uint8_t(1u << random.below(8));
        break;
    case 1: // replace a byte
        if (size)
            data[random.below(size)] = uint8_t(random.next());
        break;
    case 2: { // insert a few random bytes
        const size_t count = 1 + random.below(4);
        Bytes bytes(count);
        for (uint8_t& b : bytes)
            b = uint8_t(random.next());
        data.insert(data.begin() + std::ptrdiff_t(random.below(size + 1)), bytes.begin(), bytes.end());
        break;
    }
    case 3: // delete a short run
        if (size) {
            const size_t at = random.below(size);
            const size_t count = std::min(size - at, 1 + random.below(8));
            data.erase(data.begin() + std::ptrdiff_t(at), data.begin() + std::ptrdiff_t(at + count));
        }
        break;
    case 4: // truncate
        data.resize(random.below(size + 1));
        break;
    case 5: { // a length-field style 4-byte overwrite, often at the very start
        if (size < 4)
            break;
        const size_t at = random.oneIn(2) ? 0 : random.below(size - 3);
        uint32_t value = Interesting32[random.below(Interesting32.size())];
        if (random.oneIn(3))
            value = uint32_t(size - 4 + random.below(9) - 4); // around the real length
        putU32(data, at, value, !random.oneIn(4));
        break;
    }
    case 6: { // a 2-byte overwrite, as in STUN and ASN.1 lengths
        if (size < 2)
            break;
        const size_t at = random.below(size - 1);
        const uint32_t value = Interesting32[random.below(Interesting32.size())];
        data[at] = uint8_t(value >> 8);
        data[at + 1] = uint8_t(value);
        break;
    }
    case 7: { // splice with another seed
        const Bytes& other = seeds[random.below(seeds.size())];
        const size_t keep = random.below(size + 1);
        const size_t from = random.below(other.size() + 1);
        data.resize(keep);
        data.insert(data.end(), other.begin() + std::ptrdiff_t(from), other.end());
        break;
    }
    case 8: { // duplicate a chunk somewhere else
        if (!size)
            break;
        const size_t at = random.below(size);
        const size_t count = std::min(size - at, 1 + random.below(64));
        const Bytes chunk(data.begin() + std::ptrdiff_t(at), data.begin() + std::ptrdiff_t(at + count));
        data.insert(data.begin() + std::ptrdiff_t(random.below(size + 1)), chunk.begin(), chunk.end());
        break;
    }
    case 9: { // insert a parser token
        const char* token = Tokens[random.below(Tokens.size())];
        data.insert(data.begin() + std::ptrdiff_t(random.below(size + 1)), token, token + std::strlen(token));
        break;
    }
    default: // swap two bytes
        if (size >= 2)
            std::swap(data[random.below(size)], data[random.below(size)]);
        break;
    }
    if (data.size() > MaxInputBytes)
        data.resize(MaxInputBytes);
}

int usage(const char* program)
{
    std::fprintf(stderr, "usage: %s SEED_DIR [ITERATIONS [SECONDS]] | %s FILE\n", program, program);
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2 || argc > 4)
        return usage(argv[0]);
    const std::filesystem::path corpus(argv[1]);
    const long iterations = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 20000;
    const double seconds = argc > 3 ? std::strtod(argv[3], nullptr) : 5.0;
    if (iterations < 0 || seconds <= 0)
        return usage(argv[0]);
    installCrashHandlers(std::filesystem::path(argv[0]).filename().string());
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);

    std::error_code error;
    if (std::filesystem::is_regular_file(corpus, error)) {
        Bytes input;
        if (!readFile(corpus, &input)) {
            std::fprintf(stderr, "fuzz: cannot read %s\n", argv[1]);
            return 1;
        }
        run(input);
        std::printf("fuzz: 1 inputs, 0 crashes\n");
        return 0;
    }

    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(corpus, error))
        if (entry.is_regular_file())
            paths.push_back(entry.path());
    // Directory order is arbitrary; sorting keeps the mutation sequence the same on every machine.
    std::sort(paths.begin(), paths.end());
    std::vector<Bytes> seeds;
    for (const auto& path : paths) {
        Bytes input;
        if (!readFile(path, &input)) {
            std::fprintf(stderr, "fuzz: cannot read %s\n", path.c_str());
            return 1;
        }
        seeds.push_back(std::move(input));
    }
    if (seeds.empty()) {
        // Without seeds the run would prove nothing; fail loudly rather than pass quietly.
        std::fprintf(stderr, "fuzz: no seed files in %s\n", argv[1]);
        return 1;
    }

    long inputs = 0;
    for (const Bytes& seed : seeds) {
        run(seed);
        ++inputs;
    }
    run(Bytes());
    ++inputs;

    Random random(FixedSeed);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    Bytes input;
    for (long i = 0; i < iterations; ++i) {
        if ((i & 63) == 0 && std::chrono::steady_clock::now() > deadline)
            break;
        // Mostly start again from a seed; sometimes keep mutating the last input to go deeper.
        if (input.empty() || !random.oneIn(4))
            input = seeds[random.below(seeds.size())];
        const size_t rounds = 1 + random.below(4);
        for (size_t r = 0; r < rounds; ++r)
            mutateOnce(input, seeds, random);
        run(input);
        ++inputs;
    }
    std::printf("fuzz: %ld inputs, 0 crashes\n", inputs);
    return 0;
}
