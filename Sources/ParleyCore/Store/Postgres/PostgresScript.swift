/// Splits a SQL script into its statements: PostgresNIO speaks only the extended query protocol, which takes one
/// statement at a time, and the migration files hold many.
///
/// Semicolons inside `'…'` strings, `"…"` identifiers, `--` and `/* */` comments and `$tag$…$tag$` bodies (plpgsql
/// functions) do not split. Statements that are only comments are dropped.
public enum PostgresScript {
    public static func statements(of script: String) -> [String] {
        let text = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var hasCode = false
        var i = 0

        func flush() {
            let statement = String(current).trimmingWhitespace()
            if hasCode, !statement.isEmpty { statements.append(statement) }
            current = String.UnicodeScalarView()
            hasCode = false
        }
        /// Copies text up to and including `terminator`, starting at `i`.
        func copy(through terminator: [Unicode.Scalar]) {
            while i < text.count {
                if text[i] == terminator[0], Array(text[i..<min(text.count, i + terminator.count)]) == terminator {
                    current.append(contentsOf: terminator)
                    i += terminator.count
                    return
                }
                current.append(text[i])
                i += 1
            }
        }

        while i < text.count {
            let c = text[i]
            let next: Unicode.Scalar? = i + 1 < text.count ? text[i + 1] : nil
            switch c {
            case "-" where next == "-":
                copy(through: ["\n"])
            case "/" where next == "*":
                current.append(contentsOf: ["/", "*"])
                i += 2
                copy(through: ["*", "/"])
            case "'", "\"":
                hasCode = true
                current.append(c)
                i += 1
                copy(through: [c])
            case "$":
                // A dollar-quote opener is $tag$ with tag empty or an identifier; $1 (a parameter) is not one.
                var j = i + 1
                while j < text.count, text[j].properties.isAlphabetic || text[j] == "_" { j += 1 }
                hasCode = true
                if j < text.count, text[j] == "$" {
                    let tag = Array(text[i...j])
                    current.append(contentsOf: tag)
                    i = j + 1
                    copy(through: tag)
                } else {
                    current.append(c)
                    i += 1
                }
            case ";":
                i += 1
                flush()
            default:
                if !c.properties.isWhitespace { hasCode = true }
                current.append(c)
                i += 1
            }
        }
        flush()
        return statements
    }
}

private extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
