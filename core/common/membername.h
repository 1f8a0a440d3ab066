#pragma once

#include <QStringView>

namespace pvc::core {

// A member's (and a group's) name: a lowercase DNS label, 1-63 characters of a-z, 0-9 and '-', no dash
// at either end. Enrolment, the policy and pvc-data: references all use this rule.
inline bool isMemberName(QStringView name)
{
    if (name.isEmpty() || name.size() > 63 || name.front() == u'-' || name.back() == u'-')
        return false;
    for (const QChar c : name)
        if (!((c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'-'))
            return false;
    return true;
}

} // namespace pvc::core
