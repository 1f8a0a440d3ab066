#pragma once

#include <QString>
#include <optional>
#include <utility>

namespace pvc::core {

// A failure that crosses module and process boundaries: a stable code ("enrol.token_expired")
// that tools and tests match on, and a human detail for logs.
struct Error {
    QString code;
    QString detail;
};

// The value of an operation that can fail. Deliberately tiny: no exceptions cross our APIs.
template <typename T> class Result {
public:
    Result(T value)
        : m_value(std::move(value))
    {
    }
    Result(Error error)
        : m_error(std::move(error))
    {
    }

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return *m_value; }
    T& value() & { return *m_value; }
    T&& value() && { return std::move(*m_value); }
    const T& operator*() const& { return *m_value; }
    const T* operator->() const { return &*m_value; }
    const Error& error() const { return m_error; }

private:
    std::optional<T> m_value;
    Error m_error;
};

inline Error makeError(const char* code, const QString& detail = {})
{
    return Error { QString::fromLatin1(code), detail };
}

} // namespace pvc::core
