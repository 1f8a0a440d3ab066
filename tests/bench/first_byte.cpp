// Time to the first byte of a TCP request/response, for tests/bench/bench_nat.cpp (docs/benchmarks.md). The server
// is `pvc-bench-tcprr serve PORT` (an echo server); this program is the client.
//
//   pvc-bench-firstbyte first HOST PORT [TIMEOUT_MS] [INTERVAL_MS]
//       Prints "ready" once running, then opens a fresh non-blocking connection every INTERVAL_MS (default 10),
//       keeping each for up to 2 s, so that one slow handshake never hides a path that has started to work. The
//       first connection to be accepted sends one byte; when the answer arrives it prints
//       "first mono_ns=X attempts=N" (CLOCK_MONOTONIC, which every network namespace shares) and exits 0. After
//       TIMEOUT_MS (default 30000) it prints "first timeout attempts=N" and exits 1.
//   pvc-bench-firstbyte connect COUNT HOST:PORT [HOST:PORT...]
//       COUNT rounds; in each, for every target in turn, a fresh connection, one byte out and one back, closed.
//       Alternating the targets lets other load on the machine hit them alike. Prints, per target,
//       "connect target=HOST:PORT ok=N failed=N median_us=X min_us=X max_us=X".
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr long HoldMs = 2000; // how long one attempt may take
constexpr long ConnectTimeoutMs = 1000; // one round of `connect`: longer counts as failed

long long monoNs()
{
    timespec now {};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

int usage()
{
    std::fprintf(stderr,
        "usage: pvc-bench-firstbyte first HOST PORT [TIMEOUT_MS] [INTERVAL_MS]\n"
        "       pvc-bench-firstbyte connect COUNT HOST:PORT [HOST:PORT...]\n");
    return 2;
}

bool parseAddress(const std::string& host, const std::string& port, sockaddr_in* out)
{
    *out = {};
    out->sin_family = AF_INET;
    const long number = std::strtol(port.c_str(), nullptr, 10);
    out->sin_port = htons(std::uint16_t(number));
    return number > 0 && number < 65536 && inet_pton(AF_INET, host.c_str(), &out->sin_addr) == 1;
}

// A non-blocking TCP socket with connect() under way; -1 if it failed at once (no route yet, refused).
int startConnect(const sockaddr_in& address)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

struct Attempt {
    int fd = -1;
    long long startedNs = 0;
    bool sent = false; // connected, byte sent, waiting for the answer
};

int first(const sockaddr_in& address, long timeoutMs, long intervalMs)
{
    std::printf("ready\n");
    std::fflush(stdout);
    const long long start = monoNs();
    const long long end = start + timeoutMs * 1000000LL;
    long long nextAttempt = start;
    int attempts = 0;
    std::vector<Attempt> open;
    for (;;) {
        long long now = monoNs();
        if (now >= end)
            break;
        if (now >= nextAttempt) {
            ++attempts;
            nextAttempt += intervalMs * 1000000LL;
            if (const int fd = startConnect(address); fd >= 0)
                open.push_back({ fd, now, false });
        }
        std::vector<pollfd> polls;
        for (const Attempt& attempt : open)
            polls.push_back({ attempt.fd, short(attempt.sent ? POLLIN : POLLOUT), 0 });
        const long long waitNs = std::max(0LL, std::min(nextAttempt, end) - now);
        poll(polls.data(), nfds_t(polls.size()), int((waitNs + 999999) / 1000000));
        now = monoNs();
        for (std::size_t i = 0; i < open.size(); ++i) {
            Attempt& attempt = open[i];
            const short revents = polls[i].revents;
            bool failed = now - attempt.startedNs > HoldMs * 1000000LL;
            if (!failed && !attempt.sent && (revents & (POLLOUT | POLLERR | POLLHUP))) {
                int error = 0;
                socklen_t length = sizeof error;
                const char byte = 'f';
                failed = getsockopt(attempt.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0
                    || write(attempt.fd, &byte, 1) != 1;
                attempt.sent = !failed;
            } else if (!failed && attempt.sent && (revents & (POLLIN | POLLERR | POLLHUP))) {
                char byte = 0;
                if (read(attempt.fd, &byte, 1) == 1) {
                    std::printf("first mono_ns=%lld attempts=%d\n", now, attempts);
                    return 0;
                }
                failed = true;
            }
            if (failed) {
                close(attempt.fd);
                attempt.fd = -1;
            }
        }
        open.erase(std::remove_if(open.begin(), open.end(), [](const Attempt& a) { return a.fd < 0; }), open.end());
    }
    std::printf("first timeout attempts=%d\n", attempts);
    return 1;
}

bool waitFor(int fd, short events, long long deadlineNs)
{
    for (;;) {
        const long long left = deadlineNs - monoNs();
        if (left <= 0)
            return false;
        pollfd p { fd, events, 0 };
        const int ready = poll(&p, 1, int((left + 999999) / 1000000));
        if (ready > 0)
            return (p.revents & events) != 0 && (p.revents & POLLNVAL) == 0;
        if (ready < 0 && errno != EINTR)
            return false;
    }
}

// One fresh connection, one byte each way; the microseconds it took, or -1.
long connectOnce(const sockaddr_in& address)
{
    const long long start = monoNs();
    const long long deadline = start + ConnectTimeoutMs * 1000000LL;
    const int fd = startConnect(address);
    if (fd < 0)
        return -1;
    int error = 0;
    socklen_t length = sizeof error;
    char byte = 'c';
    const bool ok = waitFor(fd, POLLOUT, deadline) && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0
        && error == 0 && write(fd, &byte, 1) == 1 && waitFor(fd, POLLIN, deadline) && read(fd, &byte, 1) == 1;
    const long long end = monoNs();
    close(fd);
    return ok ? long((end - start) / 1000) : -1;
}

int connectRounds(int count, const std::vector<std::string>& targets)
{
    std::vector<sockaddr_in> addresses;
    for (const std::string& target : targets) {
        const std::size_t colon = target.rfind(':');
        sockaddr_in address {};
        if (colon == std::string::npos || !parseAddress(target.substr(0, colon), target.substr(colon + 1), &address))
            return usage();
        addresses.push_back(address);
    }
    std::vector<std::vector<long>> samples(targets.size());
    std::vector<int> failed(targets.size(), 0);
    for (int round = 0; round < count; ++round) {
        for (std::size_t i = 0; i < addresses.size(); ++i) {
            const long us = connectOnce(addresses[i]);
            if (us >= 0)
                samples[i].push_back(us);
            else
                ++failed[i];
        }
    }
    for (std::size_t i = 0; i < targets.size(); ++i) {
        std::vector<long>& s = samples[i];
        std::sort(s.begin(), s.end());
        if (s.empty()) {
            std::printf("connect target=%s ok=0 failed=%d\n", targets[i].c_str(), failed[i]);
            continue;
        }
        const long median = s.size() % 2 ? s[s.size() / 2] : (s[s.size() / 2 - 1] + s[s.size() / 2]) / 2;
        std::printf("connect target=%s ok=%zu failed=%d median_us=%ld min_us=%ld max_us=%ld\n", targets[i].c_str(),
            s.size(), failed[i], median, s.front(), s.back());
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3)
        return usage();
    const std::string_view mode = argv[1];
    if (mode == "first" && argc >= 4 && argc <= 6) {
        sockaddr_in address {};
        const long timeoutMs = argc > 4 ? std::atol(argv[4]) : 30000;
        const long intervalMs = argc > 5 ? std::atol(argv[5]) : 10;
        if (!parseAddress(argv[2], argv[3], &address) || timeoutMs < 1 || intervalMs < 1)
            return usage();
        return first(address, timeoutMs, intervalMs);
    }
    if (mode == "connect" && argc >= 4) {
        const int count = std::atoi(argv[2]);
        if (count < 1)
            return usage();
        return connectRounds(count, std::vector<std::string>(argv + 3, argv + argc));
    }
    return usage();
}
