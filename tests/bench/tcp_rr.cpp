// TCP request/response latency and time-to-first-connection, for tests/bench/bench_dataplane.sh.
// iperf3 measures throughput only; this measures what an interactive application feels.
//
//   pvc-bench-tcprr serve PORT
//       Echo server on 0.0.0.0:PORT, one thread per connection, until killed.
//   pvc-bench-tcprr rr HOST PORT [COUNT] [BYTES]
//       One connection (TCP_NODELAY), COUNT round trips of BYTES bytes (default 200 x 1), after
//       10 unmeasured ones. Prints "rr count=N median_us=X p10_us=X p90_us=X min_us=X max_us=X".
//   pvc-bench-tcprr first HOST PORT [TIMEOUT_MS] [ATTEMPT_MS]
//       From this process's start, tries a fresh connection every ATTEMPT_MS (default 100) until one
//       connects and echoes one byte, or TIMEOUT_MS (default 30000) passes. Short attempts measure
//       when the path works, not the kernel's SYN back-off (1 s, then 3 s...). Prints
//       "first ms=X attempts=N" (exit 0) or "first timeout attempts=N" (exit 1).
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string_view>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int usage()
{
    std::fprintf(stderr,
        "usage: pvc-bench-tcprr serve PORT\n"
        "       pvc-bench-tcprr rr HOST PORT [COUNT] [BYTES]\n"
        "       pvc-bench-tcprr first HOST PORT [TIMEOUT_MS] [ATTEMPT_MS]\n");
    return 2;
}

bool parseAddress(const char* host, const char* port, sockaddr_in* out)
{
    *out = {};
    out->sin_family = AF_INET;
    const long number = std::strtol(port, nullptr, 10);
    out->sin_port = htons(std::uint16_t(number));
    return number > 0 && number < 65536 && inet_pton(AF_INET, host, &out->sin_addr) == 1;
}

void setNoDelay(int fd)
{
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Waits for fd to be ready for events until deadline; false on timeout or error.
bool waitFor(int fd, short events, Clock::time_point deadline)
{
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0)
            return false;
        pollfd p { fd, events, 0 };
        const int ready = poll(&p, 1, int(left));
        if (ready > 0)
            return (p.revents & events) != 0 && (p.revents & (POLLERR | POLLNVAL)) == 0;
        if (ready < 0 && errno != EINTR)
            return false;
    }
}

bool readExactly(int fd, char* buffer, std::size_t size)
{
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = read(fd, buffer + done, size - done);
        if (n > 0)
            done += std::size_t(n);
        else if (n < 0 && errno == EINTR)
            continue;
        else
            return false;
    }
    return true;
}

bool writeAll(int fd, const char* buffer, std::size_t size)
{
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = write(fd, buffer + done, size - done);
        if (n > 0)
            done += std::size_t(n);
        else if (n < 0 && errno == EINTR)
            continue;
        else
            return false;
    }
    return true;
}

int serve(const char* port)
{
    sockaddr_in address {};
    if (!parseAddress("0.0.0.0", port, &address))
        return usage();
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (listener < 0 || bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0
        || listen(listener, 64) != 0) {
        std::fprintf(stderr, "pvc-bench-tcprr: cannot listen on port %s: %s\n", port, std::strerror(errno));
        return 1;
    }
    for (;;) {
        const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        setNoDelay(fd);
        std::thread([fd] {
            char buffer[65536];
            for (;;) {
                const ssize_t n = read(fd, buffer, sizeof buffer);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0 || !writeAll(fd, buffer, std::size_t(n)))
                    break;
            }
            close(fd);
        }).detach();
    }
}

// A connected socket (blocking again), or -1 if none within the deadline.
int connectBy(const sockaddr_in& address, Clock::time_point deadline)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    int error = 0;
    socklen_t length = sizeof error;
    if (!waitFor(fd, POLLOUT, deadline) || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
        close(fd);
        return -1;
    }
    const int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    setNoDelay(fd);
    return fd;
}

long percentile(const std::vector<long>& sorted, int percent)
{
    return sorted[std::min(sorted.size() - 1, sorted.size() * std::size_t(percent) / 100)];
}

int requestResponse(const char* host, const char* port, int count, int bytes)
{
    sockaddr_in address {};
    if (!parseAddress(host, port, &address) || count < 1 || bytes < 1 || bytes > 65536)
        return usage();
    const int fd = connectBy(address, Clock::now() + std::chrono::seconds(5));
    if (fd < 0) {
        std::fprintf(stderr, "pvc-bench-tcprr: cannot connect to %s:%s\n", host, port);
        return 1;
    }
    std::vector<char> buffer(std::size_t(bytes), 'x');
    std::vector<long> samples;
    samples.reserve(std::size_t(count));
    constexpr int WarmUp = 10;
    for (int i = 0; i < WarmUp + count; ++i) {
        const Clock::time_point start = Clock::now();
        if (!writeAll(fd, buffer.data(), buffer.size()) || !readExactly(fd, buffer.data(), buffer.size())) {
            std::fprintf(stderr, "pvc-bench-tcprr: connection lost after %d round trips\n", i);
            return 1;
        }
        if (i >= WarmUp)
            samples.push_back(
                long(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count()));
    }
    close(fd);
    std::sort(samples.begin(), samples.end());
    std::printf("rr count=%d median_us=%ld p10_us=%ld p90_us=%ld min_us=%ld max_us=%ld\n", count,
        percentile(samples, 50), percentile(samples, 10), percentile(samples, 90), samples.front(), samples.back());
    return 0;
}

int firstConnection(const char* host, const char* port, long timeoutMs, long attemptMs)
{
    const Clock::time_point start = Clock::now();
    sockaddr_in address {};
    if (!parseAddress(host, port, &address) || timeoutMs < 1 || attemptMs < 1)
        return usage();
    const Clock::time_point end = start + std::chrono::milliseconds(timeoutMs);
    int attempts = 0;
    while (Clock::now() < end) {
        ++attempts;
        const Clock::time_point attemptEnd = std::min(end, Clock::now() + std::chrono::milliseconds(attemptMs));
        const int fd = connectBy(address, attemptEnd);
        if (fd >= 0) {
            char byte = 'f';
            const bool echoed = writeAll(fd, &byte, 1) && waitFor(fd, POLLIN, end) && readExactly(fd, &byte, 1);
            close(fd);
            if (echoed) {
                const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
                std::printf("first ms=%.1f attempts=%d\n", double(ms) / 1000.0, attempts);
                return 0;
            }
        }
        // A refused connection returns at once: do not spin.
        std::this_thread::sleep_until(attemptEnd);
    }
    std::printf("first timeout attempts=%d\n", attempts);
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3)
        return usage();
    const std::string_view mode = argv[1];
    if (mode == "serve" && argc == 3)
        return serve(argv[2]);
    if (mode == "rr" && argc >= 4 && argc <= 6)
        return requestResponse(
            argv[2], argv[3], argc > 4 ? std::atoi(argv[4]) : 200, argc > 5 ? std::atoi(argv[5]) : 1);
    if (mode == "first" && argc >= 4 && argc <= 6)
        return firstConnection(
            argv[2], argv[3], argc > 4 ? std::atol(argv[4]) : 30000, argc > 5 ? std::atol(argv[5]) : 100);
    return usage();
}
