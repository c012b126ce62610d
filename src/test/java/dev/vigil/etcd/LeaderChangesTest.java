package dev.vigil.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Leader changes from the member's own counter: elections count, a member's restart and its first leader do not. */
class LeaderChangesTest {
    @Test
    void aRestartedMemberFindingItsLeaderIsNoLeaderChange() {
        LeaderChanges c = new LeaderChanges();
        c.observeCounter(3);   // the agent starts while the member has seen 3 leaders
        assertEquals(0, c.total());
        c.observeCounter(4);   // an election
        assertEquals(1, c.total());
        c.observeCounter(0);   // the member restarted and knows no leader yet
        c.observeCounter(1);   // it learns the current leader: not a change of the cluster's leader
        assertEquals(1, c.total());
        c.observeCounter(3);   // two elections since
        assertEquals(3, c.total());
    }

    @Test
    void aRestartSeenOnlyAfterTheMemberFoundItsLeaderCountsNothing() {
        LeaderChanges c = new LeaderChanges();
        c.observeCounter(5);
        c.observeCounter(1);   // restarted between two runs, leader already known: a decrease
        c.observeCounter(1);
        assertEquals(0, c.total());
    }

    @Test
    void aMemberThatStartsWithTheAgentFindsItsFirstLeaderWithoutAChange() {
        LeaderChanges c = new LeaderChanges();
        c.observeCounter(0);
        c.observeCounter(1);
        assertEquals(0, c.total());
        c.observeCounter(2);
        assertEquals(1, c.total());
    }
}
