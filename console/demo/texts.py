"""Appeal texts for the demo history: templates per category with varied places, times and details.

Each template names the department that would usually handle it (or None when the field unit settles it), so
assignments in the history go where a shift leader would send them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..enums import Category
from .names import GIVEN, SURNAMES


@dataclass(frozen=True)
class Template:
    text: str
    department: str | None  # department code, see names.DEPARTMENTS
    field: bool  # a field unit should go and look


T = Template

TEMPLATES: dict[Category, tuple[Template, ...]] = {
    Category.DISPUTE: (
        T("{where}村民反映邻里因宅基地边界发生争执，{mood}，请求调解", "D14", True),
        T("{where}两户居民因{cause}发生口角，{mood}，请求到场调解", "D07", True),
        T("{where}{person}反映与家人因赡养老人问题产生矛盾，请求村（居）委会协调", "D07", True),
        T("{where}租客与房东因押金退还发生纠纷，双方各执一词，请求调处", "D07", True),
        T("{where}工地{n}名工人反映被拖欠工资约{money}元，情绪激动，聚集在项目部门口", "D13", True),
        T("{where}两村因山林权属界线存在争议，{time}有村民在现场对峙", "D14", True),
        T("{where}{person}反映楼上住户装修噪音扰民，多次沟通无果", None, True),
    ),
    Category.PUBLIC_ORDER: (
        T("{where}{time}有人酒后滋事，砸坏店铺玻璃，现场约{n}人围观", "D01", True),
        T("{where}附近有人聚众赌博，出入人员较多，请求查处", "D01", True),
        T("{where}{person}报称电动车被盗，车辆为{color}色，{time}停放在楼下", "D01", True),
        T("{where}有陌生人挨家挨户推销，疑似诈骗，老人较多，请求核查", "D01", True),
        T("{where}KTV门口{time}发生打架，有人受轻伤", "D01", True),
        T("{where}有人在路边摆摊售卖来历不明的手机，请求核查", "D01", True),
    ),
    Category.SAFETY_HAZARD: (
        T("{where}一栋老旧民房外墙出现裂缝，有掉落危险，下方为通道", "D03", True),
        T("{where}路边配电箱柜门损坏，电线裸露，附近有小孩玩耍", "D05", True),
        T("{where}有商铺违规存放液化气罐约{n}瓶，存在火灾隐患", "D12", True),
        T("{where}山体因连日降雨出现小范围滑坡，威胁下方{n}户民房", "D12", True),
        T("{where}小区消防通道被私家车长期占用，消防车无法通行", "D12", True),
        T("{where}河边护栏缺失约{n}米，夜间无照明，存在落水隐患", "D04", True),
        T("{where}电动车在楼道内飞线充电，居民担心起火", "D12", True),
    ),
    Category.TRAFFIC: (
        T("{where}路口{time}发生两车剐蹭，无人员受伤，车辆占道造成拥堵", "D01", True),
        T("{where}红绿灯故障，{time}起一直闪黄灯，车流混乱", "D09", True),
        T("{where}一辆货车侧翻在路边，货物散落，需要清障", "D01", True),
        T("{where}摩托车与行人相撞，行人腿部受伤，请求救助", "D01", True),
        T("{where}路段有大型坑洼，多辆电动车在此摔倒", "D09", True),
        T("{where}学校门口上下学时段车辆乱停，影响学生通行", "D01", True),
    ),
    Category.ASSISTANCE: (
        T("{where}有一名老人迷路，自称姓{surname}，无法说清住址，请求帮助", "D01", True),
        T("{where}{person}反映家中老人摔倒不能起身，独居，请求上门协助", "D08", True),
        T("{where}一名小孩与家人走失，约{age}岁，穿{color}色上衣", "D01", True),
        T("{where}有人被困电梯，约{n}人，物业联系不上", "D12", True),
        T("{where}河边有人情绪低落徘徊，家属担心其安全，请求救助", "D01", True),
        T("{where}村民家中被洪水围困，需要转移老人和小孩", "D12", True),
    ),
    Category.LIVELIHOOD: (
        T("{where}{time}起停水，已持续{hours}小时，居民生活受影响", "D04", False),
        T("{where}一带停电，{n}户受影响，冰箱里食物将变质", "D05", False),
        T("{where}路灯损坏{n}盏，夜间出行不便", "D02", False),
        T("{where}自来水管道爆裂，水流满路面", "D04", True),
        T("{where}小区电梯频繁故障，老人上下楼困难，请求督促物业维修", "D03", False),
        T("{where}村道破损严重，雨天泥泞，村民出行困难", "D09", False),
        T("{where}{person}反映孩子入学学位问题，请求协调", "D08", False),
    ),
    Category.ENVIRONMENT: (
        T("{where}垃圾桶满溢{days}天无人清运，气味难闻", "D02", False),
        T("{where}有工厂夜间排放刺鼻气体，周边居民{time}被熏醒", "D10", True),
        T("{where}河道漂浮大量垃圾和死鱼，疑似有污水直排", "D10", True),
        T("{where}有人焚烧秸秆和垃圾，浓烟影响周边住户", "D10", True),
        T("{where}餐饮店油烟直排，楼上住户无法开窗", "D10", False),
        T("{where}有人在绿化带倾倒建筑垃圾", "D02", True),
    ),
    Category.PETITION: (
        T("{where}{person}就征地补偿标准问题多次反映，要求给予答复", "D06", False),
        T("{where}{n}名村民反映村务不公开，要求公开集体收支账目", "D06", False),
        T("{where}{person}反映低保资格被取消，认为不合理，要求复核", "D08", False),
        T("{where}{person}就房屋拆迁安置问题来访，情绪较激动", "D06", True),
        T("{where}{n}名业主反映楼盘延期交房，要求开发商给出说法", "D03", False),
    ),
    Category.CONSULTATION: (
        T("{person}咨询新农合医保缴费时间及标准", "D08", False),
        T("{person}咨询{town}办理居住证需要哪些材料", "D01", False),
        T("{person}咨询高龄老人补贴申领流程", "D08", False),
        T("{person}咨询个体工商户营业执照办理地点", "D11", False),
        T("{person}咨询失业保险金申领条件", "D13", False),
        T("{person}咨询{town}疫苗接种点的开放时间", "D08", False),
    ),
    Category.OTHER: (
        T("{where}有流浪犬伤人，{person}被咬伤手臂", "D02", True),
        T("{where}商户反映购买的农资疑似假冒，请求查处", "D11", False),
        T("{where}发现一只受伤的野生鸟类，请求相关部门处置", "D10", False),
        T("{where}有无证经营的小作坊，卫生条件差", "D11", False),
    ),
}

CAUSES = ("停车位", "排水沟", "噪音", "鸡鸭进菜地", "楼道堆放杂物", "树木遮挡采光", "借款", "晒场使用")
MOODS = ("情绪激动", "双方互不相让", "有推搡行为", "争吵声较大", "已持续多日")
TIMES = ("今天上午", "今天下午", "今晚", "凌晨", "昨晚", "中午", "傍晚", "刚才")
COLORS = ("红", "蓝", "黑", "白", "黄", "绿")

RESOLUTIONS: dict[Category, tuple[str, ...]] = {
    Category.DISPUTE: (
        "经网格员和调解员现场调解，双方达成一致意见，签订调解协议",
        "已组织双方面对面协商，矛盾化解，后续由村委会跟踪",
        "调解后双方同意按原有界线执行，现场已平息",
    ),
    Category.PUBLIC_ORDER: (
        "民警到场处置，滋事人员已带回派出所调查",
        "现场已恢复秩序，相关人员已登记",
        "经核查已依法处理，加强该区域夜间巡逻",
    ),
    Category.SAFETY_HAZARD: (
        "已设置警示标志并通知产权单位整改，隐患已消除",
        "相关部门已到场处置，隐患整改完毕",
        "已疏散周边人员，专业队伍完成加固",
    ),
    Category.TRAFFIC: (
        "交警到场疏导，事故车辆已移至路边，交通恢复",
        "已清障完毕，道路恢复通行",
        "伤者已送医，事故交由交警处理",
    ),
    Category.ASSISTANCE: ("已协助联系家属，当事人安全返家", "已送医并通知家属", "救助完毕，当事人情况稳定"),
    Category.LIVELIHOOD: ("维修人员已修复，恢复正常供应", "已督促责任单位完成维修", "已纳入维修计划，先行临时处理"),
    Category.ENVIRONMENT: ("已安排清运，现场清理完毕", "执法人员已到场检查并责令整改", "已查明原因并采取处置措施"),
    Category.PETITION: (
        "已约见当事人，按政策作出书面答复",
        "已转相关部门核查并答复当事人",
        "已组织座谈，当事人表示理解",
    ),
    Category.CONSULTATION: ("已电话答复当事人", "已告知办理流程和所需材料", "已提供相关政策解读"),
    Category.OTHER: ("已联系相关部门处置完毕", "已现场处理并答复当事人", "已核查处理"),
}

RETURN_REASONS = ("不属于本单位职责范围，请改派", "地址不详，无法核实，请补充信息", "该事项属于乡镇属地管理，请改派")
INVALID_REASONS = ("无效来电，来电人未说明具体事项", "重复测试来电", "不属于本县管辖范围，已告知来电人")


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(("先生", "女士", "某", "阿姨", "大爷"))


def full_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def describe(rng: random.Random, template: Template, *, where: str, town: str) -> str:
    return template.text.format(
        where=where,
        town=town,
        person=person(rng),
        surname=rng.choice(SURNAMES),
        cause=rng.choice(CAUSES),
        mood=rng.choice(MOODS),
        time=rng.choice(TIMES),
        color=rng.choice(COLORS),
        n=rng.randint(2, 12),
        money=rng.choice((8000, 12000, 35000, 60000, 150000)),
        age=rng.randint(4, 10),
        hours=rng.randint(3, 20),
        days=rng.randint(2, 5),
    )
