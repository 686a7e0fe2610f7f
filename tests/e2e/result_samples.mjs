// One submitted result per task kind, as a grid worker's phone would send it, with what the
// console must show for it: every field in words (codes translated, money in 元, times in China
// time, attempts numbered from 1, evidence named "照片 n"). Used by console.test.mjs.

import { minutesAgo } from './api.mjs';

/** Tomorrow's date in China, YYYY-MM-DD. */
function chinaDate(daysAhead) {
  return new Date(Date.now() + 8 * 3600e3 + daysAhead * 86400e3).toISOString().slice(0, 10);
}

/** A China-time "YYYY/MM/DD HH:MM" of an ISO time, as the console writes it (zh-CN). */
export function shown(iso) {
  return new Date(iso).toLocaleString('zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}

const at90 = minutesAgo(90);
const at20 = minutesAgo(20);
const payBy = chinaDate(30);

export const SAMPLES = [
  {
    kind: 'serve_documents',
    photos: 1,
    build: ([photo]) => ({
      kind: 'serve_documents',
      attempts: [
        { at: at90, place: '泰兴市虹桥镇工农村三组45号', outcome: 'not_found', evidence_ids: [] },
        {
          at: at20,
          place: '泰兴市虹桥镇工农村三组45号',
          outcome: 'refused',
          recipient: { name: '张丽', relation: '配偶' },
          evidence_ids: [photo],
          note: '其配偶拒绝签收，文书留置于住所并拍照记录',
        },
      ],
      served_attempt: 1,
    }),
    // The second attempt (index 1) served the documents: the screen says 第 2 次, never 第 0 次 or 第 1 次送达成功.
    // It was lodged service recorded by photo, without a witness — one of art. 89's two routes.
    expect: ['第 2 次送达成功：留置送达（拒绝签收）', '第 1 次送达', '第 2 次送达', '未找到受送达人', '拒收人', '张丽（配偶）', '留置送达方式', '拍照、录音记录送达过程', shown(at90), shown(at20), '照片 1'],
    served: 2,
  },
  {
    kind: 'locate_person',
    photos: 1,
    build: ([photo]) => ({
      kind: 'locate_person',
      found: true,
      whereabouts: { address: '泰兴市虹桥镇工农村五组12号（租住）' },
      verified_by: 'village_committee',
      contact: { phone: '13800001234' },
      evidence_ids: [photo],
    }),
    expect: ['是否找到被执行人', '已找到', '泰兴市虹桥镇工农村五组12号（租住）', '核实人', '村（居）委会', '13800001234', '照片 1'],
  },
  {
    kind: 'locate_assets',
    photos: 1,
    build: ([photo]) => ({
      kind: 'locate_assets',
      searched: '走访村委会和邻居，查看其经营的店铺',
      assets: [
        {
          type: 'vehicle',
          description: '苏M·12345 白色小型轿车',
          estimated_value_fen: 8_500_000,
          location: { address: '虹桥镇工农村五组12号门前' },
          evidence_ids: [photo],
        },
      ],
    }),
    expect: ['查找范围', '财产线索 1', '车辆', '苏M·12345 白色小型轿车', '8.5万元', '虹桥镇工农村五组12号门前', '照片 1'],
  },
  {
    kind: 'urge_performance',
    photos: 1,
    build: ([photo]) => ({
      kind: 'urge_performance',
      response: 'paid_in_part',
      amount_paid_now_fen: 1_200_000,
      receipt_evidence_ids: [photo],
      statement: '先付一部分，余款下月付清',
    }),
    expect: ['被执行人态度', '当场部分履行', '当场履行金额', '1.2万元', '收款凭证', '照片 1', '先付一部分，余款下月付清'],
    // Approved, and the court records the money recovered: the task shows it.
    outcome: { amount_recovered_fen: 1_200_000, note: '已划入法院执行款专户' },
  },
  {
    kind: 'facilitate_settlement',
    photos: 2,
    build: ([a, b]) => ({
      kind: 'facilitate_settlement',
      reached: true,
      terms: '分三期付清，每期4万元',
      amount_fen: 12_000_050,
      pay_by: payBy,
      signature_evidence_ids: [a, b],
    }),
    expect: ['已达成和解', '分三期付清，每期4万元', '120,000.50元', '履行期限', '双方签名', '照片 1', '照片 2'],
  },
  {
    kind: 'publicize_dishonesty',
    photos: 1,
    build: ([photo]) => ({
      kind: 'publicize_dishonesty',
      postings: [{ place: '虹桥镇工农村村务公开栏', posted_at: at20, evidence_ids: [photo] }],
    }),
    expect: ['张贴地点 1', '虹桥镇工农村村务公开栏', '张贴时间', shown(at20), '张贴后的照片', '照片 1'],
  },
  {
    kind: 'report_refusal',
    photos: 1,
    build: ([photo]) => ({
      kind: 'report_refusal',
      occurred_at: at90,
      conduct: ['hid_or_transferred_assets', 'threatened_staff'],
      description: '被执行人将车辆转至其弟名下，并辱骂前来督促的网格员',
      witnesses: [{ name: '李明', organisation: '工农村村委会' }],
      evidence_ids: [photo],
    }),
    expect: ['拒执行为', '隐匿、转移财产、威胁、辱骂工作人员', '李明（工农村村委会）', shown(at90), '照片 1'],
  },
  {
    kind: 'take_down_notice',
    photos: 1,
    build: ([photo]) => ({
      kind: 'take_down_notice',
      removals: [{ place: '虹桥镇工农村村务公开栏', removed_at: at20, evidence_ids: [photo] }],
      note: '公告已撤除',
    }),
    expect: ['撤除地点 1', '虹桥镇工农村村务公开栏', '撤除时间', '撤除后的照片', '照片 1', '公告已撤除'],
  },
];
