import Synchronization

/// The store's SQL as PostgreSQL reads it: `?` placeholders become `$1…$n` and `?N` becomes `$N`, outside quoted text
/// and comments. Every other difference is spelled out where the statement is (`StoreTransaction.dialect`).
/// Rewritten once per statement text and remembered, as SQLite's prepared statements are.
final class PostgresSQLTexts: Sendable {
    private let rewritten = Mutex<[String: String]>([:])

    func postgres(_ sql: String) -> String {
        if let known = rewritten.withLock({ $0[sql] }) { return known }
        let text = Self.rewrite(sql)
        rewritten.withLock { $0[sql] = text }
        return text
    }

    static func rewrite(_ sql: String) -> String {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var characters = Array(sql)[...]
        var ordinal = 0
        while let character = characters.popFirst() {
            switch character {
            case "'", "\"":
                output.append(character)
                while let next = characters.popFirst() {
                    output.append(next)
                    if next == character { break }
                }
            case "-" where characters.first == "-":
                output.append(character)
                while let next = characters.popFirst() {
                    output.append(next)
                    if next == "\n" { break }
                }
            case "?":
                var digits = ""
                while let next = characters.first, next.isASCII, next.isNumber { digits.append(characters.removeFirst()) }
                if digits.isEmpty {
                    ordinal += 1
                    output += "$\(ordinal)"
                } else {
                    output += "$\(digits)"
                }
            default:
                output.append(character)
            }
        }
        return output
    }
}
