import Foundation

/// Checks shared by the domain services; each throws the `ParleyError` a caller can act on.
enum Validate {
    /// `value` must be at most `limit` UTF-8 bytes, and free of U+0000 (`noNUL`).
    static func length(_ value: String?, _ limit: Int, name: String) throws {
        guard let value else { return }
        if value.utf8.count > limit {
            throw ParleyError.invalidParameter(name: name, reason: "must be at most \(limit) characters")
        }
        try noNUL(value, name: name)
    }

    /// `value` must not contain U+0000. SQLite's driver binds Swift strings as C strings, so text would be stored
    /// cut at its first NUL while the caller validated and was answered the whole value: `bob\0mallory` would act
    /// as `bob`. Every way in refuses it before the store sees it; this is the domain's own check of the same rule.
    static func noNUL(_ value: String, name: String) throws {
        if value.utf8.contains(0) { throw ParleyError.containsNUL(name: name) }
    }

    /// `value` must be non-empty when given.
    static func notEmpty(_ value: String?, name: String) throws {
        if let value, value.isEmpty { throw ParleyError.invalidParameter(name: name, reason: "must not be empty") }
    }

    /// `value` must be structurally valid JSON of at most `limit` bytes; returns it, or `{}` when nil.
    static func attributes(_ value: String?, limit: Int, name: String = "Attributes") throws -> String? {
        guard let value else { return nil }
        try length(value, limit, name: name)
        guard isJSON(value) else { throw ParleyError.invalidJSON(name: name) }
        return value
    }

    static func isJSON(_ value: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(value.utf8), options: [.fragmentsAllowed])) != nil
    }

    /// `value` must be a SID with `prefix` when given.
    static func sid(_ value: String?, _ prefix: SIDPrefix, name: String) throws {
        if let value, !SID.isValid(value, prefix) {
            throw ParleyError.invalidParameter(name: name, reason: "must be a \(prefix.rawValue) SID (\(prefix.rawValue) followed by 32 hex digits)")
        }
    }

    /// Parses a timer duration, at least `minimum` seconds long.
    static func duration(_ value: String?, minimum: Int64, name: String) throws -> ISODuration? {
        guard let value else { return nil }
        guard let duration = ISODuration(value) else {
            throw ParleyError.invalidParameter(name: name, reason: "must be an ISO 8601 duration such as PT5M")
        }
        guard duration.seconds >= minimum else {
            throw ParleyError.invalidParameter(name: name, reason: "must be at least \(minimum / 60) minutes")
        }
        return duration
    }
}
