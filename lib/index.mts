// The ES module entry re-exports the CommonJS build, so that `import` and `require` in one process share
// one plugin instance (one User-Agent cache, one hasher) instead of loading two copies.
import fastifyRequestInfo from './index.js'

export default fastifyRequestInfo
export { fastifyRequestInfo }
export type {
  RequestInfo, RequestInfoOptions, RequestInfoCustom, RequestInfoApi, RequestInfoCounters, UserAgentInfo,
  IpPrivacy, RecordLevel, TransportCounters, FingerprintSource, FingerprintHeaderNames, FingerprintHeaderPreset,
  DetectOptions, Paranoia, Threat, ThreatKind, BehaviourOptions, Alert, BehaviourScenario,
  RespondOptions, RateLimitOptions, BanOptions, RedisOptions, RedisClient, Decision, Ban, Mode, Rule, RuleMatch,
  RuleAction, BanFromCodeOptions, ProcessWatchOptions, AllowEntry, ProcessRule
} from './index.js'
