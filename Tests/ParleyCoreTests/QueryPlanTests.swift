import GRDB
import Testing
@testable import ParleyCore

/// The query shapes that must stay cheap use an index. Each test runs the store's own method with
/// SQL tracing on, then asks SQLite for the plan of exactly the statements it ran.
@Suite struct QueryPlanTests {
    @Test func messagePagingIsAKeysetRangeOnConversationAndIndex() async throws {
        let plans = try await plansOf { tx, ids in
            _ = try tx.messages(conversationSid: ids.conversation, order: .descending, page: PageRequest(size: 50, cursor: .init(key: 100, direction: .after)))
        }
        let page = try #require(plans.first { $0.sql.contains("FROM messages") && $0.sql.contains("LIMIT") })
        #expect(page.plan.contains("USING INDEX sqlite_autoindex_messages_2"), "\(page.plan)")
        #expect(!page.plan.contains("TEMP B-TREE"), "paging must not sort: \(page.plan)")
        #expect(!page.sql.contains("OFFSET"))
    }

    @Test func bindingLookupUsesThePartialUniqueIndex() async throws {
        let plans = try await plansOf { tx, ids in
            _ = try tx.participantBound(address: "+15550001111", proxyAddress: "+15550002222", serviceSid: ids.service)
        }
        let lookup = try #require(plans.first { $0.sql.contains("FROM participants") })
        #expect(lookup.plan.contains("USING INDEX participants_by_binding"), "\(lookup.plan)")
    }

    @Test func inboundRoutingAcrossTheAccountProbesTheBoundPairIndex() async throws {
        let plans = try await plansOf { tx, _ in
            _ = try tx.participantBound(address: "+15550001111", proxyAddress: "+15550002222", accountSid: "AC00000000000000000000000000000000")
        }
        let lookup = try #require(plans.first { $0.sql.contains("FROM participants") })
        #expect(lookup.plan.contains("participants_by_bound_pair"), "\(lookup.plan)")
        #expect(!lookup.plan.contains("SCAN p"), "\(lookup.plan)")
    }

    @Test func channelQueriesUseTheirIndexes() async throws {
        let plans = try await plansOf { tx, _ in
            _ = try tx.conversationsDueInactive(at: .now, limit: 10)
            _ = try tx.conversationsDueClosed(at: .now, limit: 10)
            _ = try tx.receipt(channelMessageSid: "SM00000000000000000000000000000000")
            _ = try tx.nextDeliveryDue()
        }
        #expect(plans.count == 4)
        for entry in plans {
            #expect(entry.plan.contains("USING INDEX") || entry.plan.contains("USING COVERING INDEX"), "\(entry.sql): \(entry.plan)")
            #expect(!entry.plan.contains("TEMP B-TREE"), "\(entry.sql): \(entry.plan)")
        }
    }

    @Test func fetchByUniqueNameIdentityAndParticipantIdentityUseIndexes() async throws {
        let plans = try await plansOf { tx, ids in
            _ = try tx.conversation(sidOrUniqueName: "support-room", serviceSid: ids.service)
            _ = try tx.user(sidOrIdentity: "alice", serviceSid: ids.service)
            _ = try tx.participant(sidOrIdentity: "alice", conversationSid: ids.conversation)
        }
        #expect(plans.count == 3)
        for entry in plans {
            #expect(entry.plan.contains("USING INDEX") || entry.plan.contains("USING COVERING INDEX"), "\(entry.sql): \(entry.plan)")
            #expect(!entry.plan.contains("SCAN"), "\(entry.sql): \(entry.plan)")
        }
    }

    @Test func membershipListsUseTheIdentityAndAddressIndexes() async throws {
        let plans = try await plansOf { tx, ids in
            _ = try tx.participations(identity: "alice", serviceSid: ids.service, page: PageRequest(size: 50))
            _ = try tx.participations(address: "+15550001111", serviceSid: ids.service, page: PageRequest(size: 50))
        }
        let pages = plans.filter { $0.sql.contains("LIMIT") }
        #expect(pages.count == 2)
        #expect(pages.first?.plan.contains("participants_by_identity") == true, "\(pages.first?.plan ?? "")")
        #expect(pages.last?.plan.contains("participants_by_address") == true, "\(pages.last?.plan ?? "")")
        for entry in pages { #expect(!entry.plan.contains("TEMP B-TREE"), "\(entry.plan)") }
    }

    @Test func listsPageByTheirKeyWithoutScanning() async throws {
        let plans = try await plansOf { tx, ids in
            _ = try tx.conversations(serviceSid: ids.service, filter: .init(), page: PageRequest(size: 50, cursor: .init(key: 10, direction: .after)))
            _ = try tx.participants(conversationSid: ids.conversation, page: PageRequest(size: 50))
        }
        let pages = plans.filter { $0.sql.contains("LIMIT") }
        #expect(pages.count == 2)
        for entry in pages {
            #expect(entry.plan.contains("USING INDEX"), "\(entry.sql): \(entry.plan)")
            #expect(!entry.plan.contains("TEMP B-TREE"), "\(entry.sql): \(entry.plan)")
        }
    }

    @Test func replayingAUsersEventsUsesTheIdentityAndConversationIndexes() async throws {
        let plans = try await plansOf { tx, ids in
            _ = try tx.events(serviceSid: ids.service, identity: "alice", after: 0, limit: 500)
        }
        let replay = try #require(plans.first { $0.sql.contains("FROM user_events") })
        #expect(replay.plan.contains("user_events_by_identity"), "\(replay.plan)")
        #expect(replay.plan.contains("participants_by_identity"), "\(replay.plan)")
        #expect(replay.plan.contains("user_events_by_conversation"), "\(replay.plan)")
        #expect(!replay.plan.contains("SCAN"), "\(replay.plan)")
    }

    struct IDs: Sendable {
        var service: String
        var conversation: String
    }

    struct PlannedStatement {
        var sql: String
        var plan: String
    }

    /// Runs `body` against a populated SQLite database (these are SQLite's plans, whatever the suite's engine) and
    /// returns each SELECT it executed with its query plan.
    private func plansOf(_ body: @escaping @Sendable (StoreTransaction, IDs) throws -> Void) async throws -> [PlannedStatement] {
        let (parley, principal) = try await makeSQLiteParley()
        let conversation = try await parley.conversations.create(principal, .defaultService, {
            var changes = ConversationService.Changes()
            changes.uniqueName = "support-room"
            return changes
        }())
        let ids = IDs(service: conversation.serviceSid, conversation: conversation.sid)
        let store = parley.store
        return try await store.writer.write { db in
            var statements: [String] = []
            db.trace { event in
                let sql = event.expandedDescription
                if sql.hasPrefix("SELECT") { statements.append(sql) }
            }
            try body(StoreTransaction(.sqlite(db)), ids)
            db.trace(nil)
            return try statements.map { sql in
                let rows = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(sql)")
                return PlannedStatement(sql: sql, plan: rows.map { $0["detail"] as String }.joined(separator: " | "))
            }
        }
    }
}
