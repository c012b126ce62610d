package dev.vigil.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway parsers against real etcd 3.4.23 answers (src/test/resources/etcd/SOURCE.md) and the 3.5/3.6 fields. */
class EtcdAnswersTest {
    static byte[] fixture(String name) throws IOException {
        try (InputStream in = EtcdAnswersTest.class.getResourceAsStream("/etcd/lab-3.4.23/" + name)) {
            if (in == null) {
                throw new IOException("missing fixture " + name);
            }
            return in.readAllBytes();
        }
    }

    @Test
    void memberListWithUnsignedIdsAboveLongMax() throws Exception {
        EtcdAnswers.MemberList list = EtcdAnswers.memberList(fixture("member-list.json"));
        assertEquals(new BigInteger("9481794935801589756"), list.clusterId());
        assertEquals(3, list.members().size());
        EtcdAnswers.Member m1 = list.members().get(2);
        assertEquals("m1", m1.name());
        assertEquals(new BigInteger("16875643335078864349"), m1.id(), "above Long.MAX_VALUE, kept unsigned");
        assertEquals("ea325433c79065dd", m1.hexId(), "as etcdctl prints it");
        assertEquals(List.of("https://127.0.0.1:23791"), m1.clientUrls());
        assertEquals(List.of("https://127.0.0.1:23801"), m1.peerUrls());
        assertFalse(m1.learner(), "isLearner omitted when false");
        assertEquals(list.members(), EtcdAnswers.memberList(fixture("member-list-no-quorum.json")).members());
    }

    @Test
    void statusOfLeaderAndFollower() throws Exception {
        EtcdAnswers.Status leader = EtcdAnswers.status(fixture("maintenance-status-leader.json"));
        assertEquals(leader.memberId(), leader.leader());
        assertEquals("3.4.23", leader.version());
        assertEquals(20480, leader.dbSize());
        assertEquals(16384, leader.dbSizeInUse());
        assertEquals(BigInteger.TWO, leader.raftTerm());
        assertEquals(0, leader.applyLag());
        assertTrue(leader.errors().isEmpty());
        assertEquals(0, leader.dbSizeQuota(), "3.4 does not report its quota");

        EtcdAnswers.Status follower = EtcdAnswers.status(fixture("maintenance-status-follower.json"));
        assertEquals(new BigInteger("16875643335078864349"), follower.memberId());
        assertEquals(leader.memberId(), follower.leader());
    }

    @Test
    void statusWithoutLeaderHasNoLeaderFieldAndAnError() throws Exception {
        EtcdAnswers.Status s = EtcdAnswers.status(fixture("maintenance-status-no-leader.json"));
        assertFalse(s.hasLeader());
        assertEquals(List.of("etcdserver: no leader"), s.errors());
        assertEquals(BigInteger.valueOf(4), s.raftTerm());
    }

    @Test
    void emptyAlarmListIsAnEmptyObject() throws Exception {
        assertEquals(List.of(), EtcdAnswers.alarms(fixture("alarm-none.json")));
    }

    @Test
    void gatewayErrorOfALostQuorum() throws Exception {
        assertEquals("etcdserver: request timed out", EtcdAnswers.gatewayError(fixture("range-no-quorum-error.json")));
    }

    @Test
    void etcd36StatusWithQuotaLearnerAndNumbersAsNumbers() throws Exception {
        String json = """
            {"header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"5",
            "raft_term":"3"},"version":"3.6.4","dbSize":"24576","leader":"10276657743932975437","raftIndex":"40",
            "raftTerm":"3","raftAppliedIndex":37,"dbSizeInUse":"24576","isLearner":true,"storageVersion":"3.6.0",
            "dbSizeQuota":"2147483648","downgradeInfo":{"enabled":false,"targetVersion":""}}""";
        EtcdAnswers.Status s = EtcdAnswers.status(json.getBytes(StandardCharsets.UTF_8));
        assertTrue(s.learner());
        assertEquals(3, s.applyLag());
        assertEquals(2147483648.0, s.dbSizeQuota());
    }

    @Test
    void alarmsByNameAndByNumber() throws Exception {
        String json = """
            {"header":{"cluster_id":"1","member_id":"2","revision":"9","raft_term":"2"},"alarms":[
            {"memberID":"16875643335078864349","alarm":"NOSPACE"},{"memberID":"12392343560891704072","alarm":2}]}""";
        List<EtcdAnswers.Alarm> alarms = EtcdAnswers.alarms(json.getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(new EtcdAnswers.Alarm(new BigInteger("16875643335078864349"), "NOSPACE"),
            new EtcdAnswers.Alarm(new BigInteger("12392343560891704072"), "CORRUPT")), alarms);
    }

    @Test
    void brokenAnswersAreBadResponses() {
        for (String body : List.of("", "<html>502</html>", "{\"members\":[]}", "[1,2]", "{\"header\":{",
            "{\"members\":[{\"ID\":\"-5\"}]}", "{\"members\":[{\"ID\":\"18446744073709551616\"}]}",
            "{\"members\":[{\"ID\":\"abc\"}]}")) {
            assertThrows(dev.vigil.net.BadResponse.class, () -> EtcdAnswers.memberList(body.getBytes(StandardCharsets.UTF_8)),
                body);
        }
        assertThrows(dev.vigil.net.BadResponse.class, () -> EtcdAnswers.status("{\"health\":\"true\"}".getBytes()));
        assertThrows(dev.vigil.net.BadResponse.class, () -> EtcdAnswers.status("{\"version\":\"3.5.0\",\"dbSize\":{}}".getBytes()));
    }
}
