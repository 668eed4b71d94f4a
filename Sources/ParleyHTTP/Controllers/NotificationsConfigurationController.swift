import Hummingbird
import ParleyCore

/// `/v1/Services/{IS}/Configuration/Notifications`: which events push, with which template and sound.
struct NotificationsConfigurationController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Services/:chatServiceSid/Configuration/Notifications", get: fetch, post: update)
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let settings = try await parley.pushSettings.fetch(context.requirePrincipal(), context.scope)
        return JSONResponse.make(status: .ok, try context.renderer().pushSettings(settings))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let settings = try await parley.pushSettings.update(context.requirePrincipal(), context.scope, Self.changes(form))
        return JSONResponse.make(status: .ok, try context.renderer().pushSettings(settings))
    }

    static func changes(_ form: FormParameters) throws -> PushSettingsService.Changes {
        func kind(_ prefix: String) throws -> PushSettingsService.KindChanges {
            var kind = PushSettingsService.KindChanges()
            kind.enabled = try form.bool("\(prefix).Enabled")
            kind.template = form.string("\(prefix).Template")
            kind.sound = form.string("\(prefix).Sound")
            return kind
        }
        var changes = PushSettingsService.Changes()
        changes.logEnabled = try form.bool("LogEnabled")
        changes.newMessage = try kind("NewMessage")
        changes.newMessageBadgeCountEnabled = try form.bool("NewMessage.BadgeCountEnabled")
        changes.newMessageWithMediaEnabled = try form.bool("NewMessage.WithMedia.Enabled")
        changes.newMessageWithMediaTemplate = form.string("NewMessage.WithMedia.Template")
        changes.addedToConversation = try kind("AddedToConversation")
        changes.removedFromConversation = try kind("RemovedFromConversation")
        return changes
    }
}
