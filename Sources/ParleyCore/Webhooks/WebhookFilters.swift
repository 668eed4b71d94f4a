/// A `Filters` list as a request gives it (account and Service webhook configuration, a conversation webhook's
/// `Configuration.Filters`, an Address Configuration's `AutoCreation.WebhookFilters`), made fit to store: each value an
/// event of the scope, each kept once in the order first given, and no more values than the scope has events, so a
/// request cannot make the list grow without bound.
struct WebhookFilters: Sendable {
    /// The events the scope sends.
    let events: Set<String>
    /// The request parameter, for the error.
    let parameter: String

    /// The list deduplicated, or the scope's error for a value that is no event of it (`unknown`), or 20001 for more
    /// values than the scope has events.
    func normalized(_ values: [String], unknown: (String) -> ParleyError) throws -> [String] {
        guard values.count <= events.count else {
            throw ParleyError.invalidParameter(name: parameter, reason: "takes at most \(events.count) values, one per event (\(values.count) given)")
        }
        var seen = Set<String>()
        var kept: [String] = []
        for value in values {
            guard events.contains(value) else { throw unknown(value) }
            if seen.insert(value).inserted { kept.append(value) }
        }
        return kept
    }
}
