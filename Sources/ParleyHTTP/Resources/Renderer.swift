import ParleyCore

/// Writes domain values as Twilio resources: the spec's field names, in its order, with absolute
/// `url` and `links` in the request's family of paths. One file per resource: `Renderer+<Resource>.swift`.
struct Renderer: Sendable {
    let urls: ResourceURLs
    let accountSid: String

    /// `chat_service_sid` appears on nested resources only in the `/v1/Services/{IS}/...` family, as in the spec.
    func serviceField(_ serviceSid: String) -> [(String, JSONValue)] {
        urls.explicitService == nil ? [] : [("chat_service_sid", .string(serviceSid))]
    }

    /// Everything a rendering depends on besides the resource: equal variants render a resource identically.
    var variant: String { "\(accountSid) \(urls.base) \(urls.explicitService ?? "-") \(urls.client)" }
}

extension ParleyRequestContext {
    func renderer() throws -> Renderer {
        Renderer(urls: urls, accountSid: try chatPrincipal?.accountSid ?? requirePrincipal().accountSid)
    }
}
