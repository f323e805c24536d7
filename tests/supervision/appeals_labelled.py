"""A labelled set of appeal pairs (Chinese), for the repeat-appeal clustering.

Each pair is (earlier appeal, its category, new appeal, its category, same matter?). Pairs marked True are the same
matter told again in other words; pairs marked False are different matters, most of them at the same place or with
shared words (the hard cases for a text measure).
"""

from __future__ import annotations

PAIRS: list[tuple[str, str, str, str, bool]] = [
    (
        "幸福小区3栋门口路灯坏了一个星期，晚上很黑",
        "livelihood",
        "幸福小区3栋的路灯还是坏的，晚上出门很黑",
        "livelihood",
        True,
    ),
    (
        "建设路菜市场门口占道经营严重，车辆无法通行",
        "environment",
        "建设路菜市场门口又有人占道摆摊，车过不去",
        "environment",
        True,
    ),
    ("楼上邻居装修噪音太大，中午都不停", "dispute", "楼上装修噪音扰民，中午也在施工", "dispute", True),
    ("河西村自来水停水两天了，没有通知", "livelihood", "河西村还是停水，已经第三天了", "livelihood", True),
    ("工地夜间施工噪音扰民，凌晨还在打桩", "environment", "那个工地晚上又在打桩，噪音太大睡不着", "environment", True),
    (
        "学校门口窨井盖丢失，存在安全隐患",
        "safety_hazard",
        "学校门口的井盖还没补上，孩子容易掉下去",
        "safety_hazard",
        True,
    ),
    (
        "小区垃圾站垃圾堆积多日无人清运，气味很大",
        "environment",
        "小区垃圾站的垃圾还是没人清运，臭气熏天",
        "environment",
        True,
    ),
    ("东门桥下有人长期焚烧垃圾，烟很大", "environment", "东门桥下又有人烧垃圾，烟呛得受不了", "environment", True),
    ("拖欠工资三个月，老板不给结算", "dispute", "工资还是没有拿到，老板一直拖欠", "dispute", True),
    ("村口道路坑洼积水，电动车容易摔倒", "livelihood", "村口那段路坑洼积水还没修，又有人摔倒", "livelihood", True),
    ("小区电梯故障困人，物业不管", "safety_hazard", "小区电梯又坏了，物业还是不处理", "safety_hazard", True),
    ("暖气不热，家里只有十五度", "livelihood", "暖气还是不热，室温很低", "livelihood", True),
    (
        "幸福小区3栋门口路灯坏了一个星期，晚上很黑",
        "livelihood",
        "幸福小区3栋门口有人乱停车，堵住消防通道",
        "traffic",
        False,
    ),
    ("建设路菜市场门口占道经营严重，车辆无法通行", "environment", "建设路菜市场里面有商户卖过期食品", "other", False),
    ("楼上邻居装修噪音太大，中午都不停", "dispute", "楼下邻居家漏水，渗到我家天花板", "dispute", False),
    ("河西村自来水停水两天了，没有通知", "livelihood", "河西村有人在河道里非法采砂", "environment", False),
    ("学校门口窨井盖丢失，存在安全隐患", "safety_hazard", "学校门口上下学时段交通拥堵，需要交警疏导", "traffic", False),
    ("小区垃圾站垃圾堆积多日无人清运，气味很大", "environment", "小区里流浪狗很多，晚上咬人", "public_order", False),
    ("拖欠工资三个月，老板不给结算", "dispute", "咨询办理居住证需要什么材料", "consultation", False),
    ("村口道路坑洼积水，电动车容易摔倒", "livelihood", "村口小卖部卖烟给未成年人", "public_order", False),
    ("小区电梯故障困人，物业不管", "safety_hazard", "物业费收费标准不透明，要求公示", "livelihood", False),
    ("暖气不热，家里只有十五度", "livelihood", "燃气管道有异味，怀疑漏气", "safety_hazard", False),
    ("两辆车在十字路口相撞，有人受伤", "traffic", "十字路口红绿灯坏了，车辆乱行", "traffic", False),
    ("夫妻吵架动手，邻居报警", "dispute", "邻居家的狗整夜狂叫，影响休息", "dispute", False),
]
