import { test } from 'tap'
import { createDetection } from '../lib/detect/index'
import { nosql } from '../lib/detect/signatures/nosql'

const detection = createDetection({ paranoia: 1, disable: [], bodyLimit: 65536, userAgentCacheSize: 16 }, [nosql])
const found = (url: string, headers: Record<string, string> = {}) => detection.request({ url, headers }).map((f) => [f.rule, f.where])
const body = (value: unknown, type: string) => {
  const out: ReturnType<typeof detection.request> = []
  detection.body(value, type, out)
  return out.map((f) => [f.kind, f.rule, f.where, f.score])
}

test('operators as parameter steps', async (t) => {
  t.same(found('/login?user=admin&password[$ne]=x'), [['nosql-operator', 'query-name']])
  t.same(found('/login?password%5B%24gt%5D='), [['nosql-operator', 'query-name']], 'percent-encoded')
  t.same(found('/?user[$regex]=^a'), [['nosql-operator', 'query-name']])
  t.same(found('/?user[ $NE ]=x'), [['nosql-operator', 'query-name']], 'case and spaces')
  t.same(found('/?q[$where]=sleep(100)'), [['nosql-javascript', 'query-name']])
  t.same(body('user=admin&password[$ne]=1', 'application/x-www-form-urlencoded'), [['nosql', 'nosql-operator', 'body-name', 5]])
})

test('operators as JSON keys, parsed or inside a value', async (t) => {
  t.same(body({ username: 'admin', password: { $ne: null } }, 'application/json'), [['nosql', 'nosql-operator', 'body-name', 5]])
  t.same(body({ $where: 'this.password.length > 0' }, 'application/json'), [['nosql', 'nosql-javascript', 'body-name', 5]])
  t.same(body('{"password": {"$gt": ""}}', 'text/plain'), [['nosql', 'nosql-operator', 'body', 5]])
  t.same(found('/?filter=' + encodeURIComponent('{"age":{"$gte":0}}')), [['nosql-operator', 'query:filter']])
})

test('dollars in ordinary text stay quiet', async (t) => {
  t.same(found('/?price=$10&note=costs+$ne+much'), [])
  t.same(found('/', { cookie: '$existingUser=admin' }), [])
  t.same(body({ $existsor: 'foo' }, 'application/json'), [], 'not an operator')
  t.same(body({ amount: '$gt' }, 'application/json'), [], 'an operator word as a plain value')
  t.same(found('/?a[$$]=1&b[$1]=2'), [])
})

test('an operator after any number of non-operators is found, in one search', async (t) => {
  const json = (text: string) => {
    const out: ReturnType<typeof detection.request> = []
    detection.body({ q: text }, 'application/json', out)
    return out.map((f) => f.rule)
  }
  const start = Date.now()
  t.same(json('[$x]'.repeat(10000) + '[$ne]'), ['nosql-operator'], 'after 10000 bracketed non-operators (a cap of 32 missed it)')
  t.same(json('{"$foo": 1}'.repeat(5000) + '{"$where": "1"}'), ['nosql-javascript'])
  t.same(json('[' + ' '.repeat(60000) + '$x]'), [])
  t.ok(Date.now() - start < 1000, 'in linear time')
})
