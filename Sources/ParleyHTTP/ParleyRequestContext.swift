import Hummingbird
import ParleyCore

/// Per-request state: who is calling (set by `BasicAuthMiddleware`) and the base URL that the
/// absolute `url`, `links` and paging URLs of responses start with.
struct ParleyRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var principal: Principal?
    /// The chat user, on client routes behind `AccessTokenMiddleware`.
    var chatPrincipal: ChatPrincipal?
    var baseURL: String = ""
    /// The peer's IP address (nil in in-process tests), for limits per client such as failed authentications.
    let clientAddress: String?

    init(source: Source) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The caller; routes behind `BasicAuthMiddleware` always have one.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw ParleyError.unauthenticated }
        return principal
    }

    /// The chat user; routes behind `AccessTokenMiddleware` always have one.
    func requireChatPrincipal() throws -> ChatPrincipal {
        guard let chatPrincipal else { throw ParleyError.accessTokenMalformed(reason: "this path needs an access token") }
        return chatPrincipal
    }

    /// The Service a `/v1/Services/{ChatServiceSid}/...` path names, else the account's default.
    var scope: ServiceScope {
        parameters.get("chatServiceSid").map { .service($0) } ?? .defaultService
    }

    /// A path parameter, percent-decoded (unique names and identities may hold any character but U+0000).
    func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        let value = raw.removingPercentEncoding ?? raw
        if value.utf8.contains(0) { throw ParleyError.containsNUL(name: name) }
        return value
    }

    /// Resource URLs for this request's family of paths: the client API's for a chat user.
    var urls: ResourceURLs {
        if let chatPrincipal { return ResourceURLs(base: baseURL, explicitService: chatPrincipal.serviceSid, client: true) }
        return ResourceURLs(base: baseURL, explicitService: parameters.get("chatServiceSid"))
    }
}

import Foundation
