"""A second labelled set, written after the rules were fixed and never used to tune them: what the triage rules do
on descriptions they were not written against. `bench/bench_triage.py` prints its accuracy beside the main set's;
no test holds it to a figure."""

from __future__ import annotations

#: (description, category, priority)
HELDOUT: tuple[tuple[str, str, str], ...] = (
    ("an old woman fell down the stairs and is not moving", "assistance", "red"),
    ("小区门口有人倒在地上，叫不醒", "assistance", "red"),
    ("孩子误吞了药片，呼吸困难", "assistance", "red"),
    ("my neighbour's son has been missing since yesterday", "assistance", "orange"),
    ("一名老人在公园迷路了，说不清家在哪", "assistance", "orange"),
    ("需要帮助联系社区送餐服务", "assistance", "yellow"),
    ("two men are fighting outside the internet cafe", "public_order", "orange"),
    ("有人拿着刀在菜市场追人", "public_order", "red"),
    ("someone stole my phone on the bus", "public_order", "yellow"),
    ("店里被盗，监控拍到了人", "public_order", "yellow"),
    ("有陌生人在小学门口转悠，很可疑", "public_order", "yellow"),
    ("a drunk man is smashing car windows", "public_order", "orange"),
    ("仓库起火了，浓烟很大", "safety_hazard", "red"),
    ("the restaurant kitchen is on fire", "safety_hazard", "red"),
    ("楼道里有很浓的煤气味", "safety_hazard", "orange"),
    ("a tree branch is resting on a power wire", "safety_hazard", "orange"),
    ("桥上的栏杆松动了", "safety_hazard", "yellow"),
    ("a manhole is open without a cover near the school", "safety_hazard", "yellow"),
    ("电动车和行人相撞，行人受伤流血", "traffic", "red"),
    ("a bus and a car collided, no injuries", "traffic", "yellow"),
    ("十字路口信号灯坏了，车辆乱行", "traffic", "orange"),
    ("someone parked across my garage entrance", "traffic", "yellow"),
    ("国道上发生车祸，有人被困车内", "traffic", "red"),
    ("楼上楼下因为漏水吵起来了", "dispute", "yellow"),
    ("老板拖欠了我们半年工资", "dispute", "yellow"),
    ("my husband is beating me, please come", "dispute", "orange"),
    ("neighbours argue every day about the shared yard", "dispute", "yellow"),
    ("我们村停电一整天了", "livelihood", "yellow"),
    ("the street lights on our road have been out for a week", "livelihood", "yellow"),
    ("自来水管破裂，马路上全是水", "livelihood", "orange"),
    ("there is no heating in the building and it is freezing", "livelihood", "yellow"),
    ("河里漂着很多垃圾，臭味难闻", "environment", "yellow"),
    ("the factory next door makes loud noise all night", "environment", "yellow"),
    ("有人在田里焚烧秸秆，烟很大", "environment", "yellow"),
    ("对征地补偿不满意，准备去上访", "petition", "yellow"),
    ("a crowd of villagers is gathering at the government gate about the demolition", "petition", "orange"),
    ("请问老年证在哪里办理", "consultation", "blue"),
    ("how do i register my child for primary school", "consultation", "blue"),
    ("咨询一下养老保险怎么交", "consultation", "blue"),
    ("what documents do i need for a residence permit", "consultation", "blue"),
)
