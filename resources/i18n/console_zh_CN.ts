<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Actions</name>
    <message>
        <source>New appeal</source>
        <translation>新建诉求</translation>
    </message>
    <message>
        <source>Save appeal</source>
        <translation>保存诉求</translation>
    </message>
    <message>
        <source>Save and dispatch nearest</source>
        <translation>保存并派遣最近力量</translation>
    </message>
    <message>
        <source>Save merged into the selected duplicate</source>
        <translation>保存并并入所选重复诉求</translation>
    </message>
    <message>
        <source>Dispatch nearest unit</source>
        <translation>派遣最近力量</translation>
    </message>
    <message>
        <source>Search the queue</source>
        <translation>搜索事件队列</translation>
    </message>
    <message>
        <source>Unit en route</source>
        <translation>力量已出发</translation>
    </message>
    <message>
        <source>Unit on scene</source>
        <translation>力量已到场</translation>
    </message>
    <message>
        <source>Unit clear (available)</source>
        <translation>力量处置完毕（恢复空闲）</translation>
    </message>
    <message>
        <source>File from patrol…</source>
        <translation>巡防上报…</translation>
    </message>
    <message>
        <source>Resolve case…</source>
        <translation>办结…</translation>
    </message>
    <message>
        <source>Escalate case…</source>
        <translation>督办…</translation>
    </message>
    <message>
        <source>Leader owns case (包案)…</source>
        <translation>领导包案…</translation>
    </message>
    <message>
        <source>Follow-up visit or callback done…</source>
        <translation>走访或回访已完成…</translation>
    </message>
    <message>
        <source>Flag violence risk (民转刑)…</source>
        <translation>标记民转刑风险…</translation>
    </message>
    <message>
        <source>Dispatcher layout</source>
        <translation>调度员布局</translation>
    </message>
    <message>
        <source>Shift leader layout</source>
        <translation>值班长布局</translation>
    </message>
    <message>
        <source>Wall layout</source>
        <translation>大屏布局</translation>
    </message>
    <message>
        <source>Reset this layout</source>
        <translation>恢复默认布局</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <source>Show the whole county</source>
        <translation>显示全县</translation>
    </message>
    <message>
        <source>Acknowledge alarm</source>
        <translation>确认警报</translation>
    </message>
    <message>
        <source>Pick the call&apos;s place on the map</source>
        <translation>在地图上点选诉求地点</translation>
    </message>
    <message>
        <source>Hand over and lock (交接班)</source>
        <translation>交接班并锁定</translation>
    </message>
    <message>
        <source>Map follows the selected case</source>
        <translation>地图跟随选中案件</translation>
    </message>
    <message>
        <source>Wall on another screen</source>
        <translation>在另一屏幕显示大屏</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Building the demo county…</source>
        <extracomment>The demo&apos;s stages and the part of the progress bar each fills.</extracomment>
        <translation>正在生成演示县…</translation>
    </message>
    <message>
        <source>First start</source>
        <translation>首次启动</translation>
    </message>
    <message>
        <source>Building the demo county… (%1)</source>
        <translation>正在生成演示县…（%1）</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>The database could not be opened:
%1</source>
        <translation>无法打开数据库：
%1</translation>
    </message>
    <message>
        <source>Feeds not started: %1</source>
        <extracomment>Set to 1 on the one workstation that runs the outside feeds inside its console (DESIGN: feeds run in one place).</extracomment>
        <translation>外部数据接入未启动：%1</translation>
    </message>
</context>
<context>
    <name>AssignDialog</name>
    <message>
        <source>Assign %1</source>
        <translation>派单 %1</translation>
    </message>
    <message>
        <source>Department: %1</source>
        <translation>部门：%1</translation>
    </message>
    <message>
        <source>Township: %1</source>
        <translation>乡镇：%1</translation>
    </message>
    <message>
        <source>default for the priority</source>
        <translation>按等级默认</translation>
    </message>
    <message>
        <source>Assign to</source>
        <translation>派往</translation>
    </message>
    <message>
        <source>Deadline (working hours)</source>
        <translation>办理时限（工作小时）</translation>
    </message>
    <message>
        <source>Deadline: a number of hours, or empty.</source>
        <translation>办理时限须填写小时数，或留空。</translation>
    </message>
</context>
<context>
    <name>Attachments</name>
    <message>
        <source>Add file…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <source>Use the photo&apos;s place</source>
        <translation>使用照片的位置</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Recording</source>
        <translation>录音</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>Position in datum %1 not used</source>
        <translation>照片位置采用 %1 坐标系，未使用</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <source>Photos, recordings and documents (*)</source>
        <translation>照片、录音和文档 (*)</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Save as</source>
        <translation>另存为</translation>
    </message>
    <message>
        <source>Cannot save: %1</source>
        <translation>无法保存：%1</translation>
    </message>
    <message>
        <source>No photo</source>
        <translation>无照片</translation>
    </message>
</context>
<context>
    <name>CampaignVisitDialog</name>
    <message>
        <source>Screening visit: %1</source>
        <translation>排查走访：%1</translation>
    </message>
    <message>
        <source>Grid:</source>
        <translation>网格：</translation>
    </message>
    <message>
        <source>Household or venue, e.g. 3组 王家 / 东街小超市</source>
        <translation>住户或场所，例如 3组 王家 / 东街小超市</translation>
    </message>
    <message>
        <source>Place visited:</source>
        <translation>走访地点：</translation>
    </message>
    <message>
        <source>Nothing found</source>
        <translation>未发现问题</translation>
    </message>
    <message>
        <source>Finding: file a case</source>
        <translation>发现问题：立案</translation>
    </message>
    <message>
        <source>Result:</source>
        <translation>结果：</translation>
    </message>
    <message>
        <source>What was found (becomes the case&apos;s description)</source>
        <translation>发现的问题（作为案件描述）</translation>
    </message>
    <message>
        <source>Finding:</source>
        <translation>发现问题：</translation>
    </message>
    <message>
        <source>Category:</source>
        <translation>类别：</translation>
    </message>
    <message>
        <source>Priority:</source>
        <translation>等级：</translation>
    </message>
    <message>
        <source>Note:</source>
        <translation>备注：</translation>
    </message>
</context>
<context>
    <name>CaseDetailPanel</name>
    <message>
        <source>No case selected</source>
        <translation>未选择事件</translation>
    </message>
    <message>
        <source>Recommended unit</source>
        <translation>推荐力量</translation>
    </message>
    <message>
        <source>ETA</source>
        <translation>预计到达</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>推荐理由</translation>
    </message>
    <message>
        <source>Dispatch first  (F5)</source>
        <translation type="vanished">派遣首选  (F5)</translation>
    </message>
    <message>
        <source>Dispatch selected</source>
        <translation>派遣所选</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>力量</translation>
    </message>
    <message>
        <source>Dispatched</source>
        <translation>派遣</translation>
    </message>
    <message>
        <source>En route</source>
        <translation>出发</translation>
    </message>
    <message>
        <source>On scene</source>
        <translation>到场</translation>
    </message>
    <message>
        <source>Cleared</source>
        <translation>处置完毕</translation>
    </message>
    <message>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>处置完毕</translation>
    </message>
    <message>
        <source>Resolve…</source>
        <extracomment>The panel&apos;s buttons (the other steps have their own places: dispatch above, assignment steps on the board).</extracomment>
        <translation>办结…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>结案</translation>
    </message>
    <message>
        <source>Merge into…</source>
        <translation>合并到…</translation>
    </message>
    <message>
        <source>Invalid…</source>
        <translation>标记无效…</translation>
    </message>
    <message>
        <source>Escalate…</source>
        <translation>督办…</translation>
    </message>
    <message>
        <source>Assign…</source>
        <translation>派单…</translation>
    </message>
    <message>
        <source>Note…</source>
        <translation>备注…</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Received %1 via %2 · deadline %3</source>
        <translation>%1 受理（%2）· 时限 %3</translation>
    </message>
    <message>
        <source>Place: %1</source>
        <translation>位置：%1</translation>
    </message>
    <message>
        <source>not located</source>
        <translation>未定位</translation>
    </message>
    <message>
        <source>Caller: %1 · appeals from this number: %2</source>
        <translation>诉求人：%1 · 该号码诉求次数：%2</translation>
    </message>
    <message>
        <source>Escalated, level %1</source>
        <translation>已督办（%1级）</translation>
    </message>
    <message>
        <source>Assigned to %1 (%2)</source>
        <translation>已派单至 %1（%2）</translation>
    </message>
    <message>
        <source>Merged into %1</source>
        <translation>已并入 %1</translation>
    </message>
    <message>
        <source>Result: %1</source>
        <translation>办理结果：%1</translation>
    </message>
    <message>
        <source>Invalid: %1</source>
        <translation>无效原因：%1</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <source>Merge %1 into case number:</source>
        <translation>将 %1 并入事件编号：</translation>
    </message>
    <message>
        <source>No open case numbered %1.</source>
        <translation type="vanished">没有编号为 %1 的在办事件。</translation>
    </message>
    <message>
        <source>Leader owns…</source>
        <translation>领导包案…</translation>
    </message>
    <message>
        <source>Followed up…</source>
        <translation>已走访/回访…</translation>
    </message>
    <message>
        <source>Violence risk…</source>
        <translation>民转刑风险…</translation>
    </message>
    <message>
        <source>Mark the case as owned by a named leader (领导包案), with its visits and callbacks</source>
        <translation>由指定领导包案，并安排走访和回访</translation>
    </message>
    <message>
        <source>Record a planned visit or callback as done, with what came of it</source>
        <translation>登记已完成的计划走访或回访及其结果</translation>
    </message>
    <message>
        <source>Flag the dispute for violence risk (民转刑): a visit becomes mandatory after resolution</source>
        <translation>标记纠纷存在民转刑风险：办结后必须走访</translation>
    </message>
    <message>
        <source>Resolve</source>
        <extracomment>By the action&apos;s code (`buttons[&quot;resolve&quot;]`): the buttons this role is offered are shown.</extracomment>
        <translation>办结</translation>
    </message>
    <message>
        <source>Result of the handling (required):</source>
        <translation>办理结果（必填）：</translation>
    </message>
    <message>
        <source>Invalid</source>
        <translation>标记无效</translation>
    </message>
    <message>
        <source>Why is this appeal invalid? (required)</source>
        <translation>无效原因（必填）：</translation>
    </message>
    <message>
        <source>Escalate</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Reason for supervision (required):</source>
        <translation>督办原因（必填）：</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Note:</source>
        <translation>备注：</translation>
    </message>
    <message>
        <source>grid {0}</source>
        <translation>网格 {0}</translation>
    </message>
    <message>
        <source>into {0}</source>
        <translation>并入 {0}</translation>
    </message>
    <message>
        <source>merged from {0}</source>
        <translation>由 {0} 并入</translation>
    </message>
    <message>
        <source>to {0}</source>
        <translation>派往 {0}</translation>
    </message>
    <message>
        <source>level {0}</source>
        <translation>{0}级</translation>
    </message>
    <message>
        <source>Y</source>
        <translation>是</translation>
    </message>
    <message>
        <source>N</source>
        <translation>否</translation>
    </message>
    <message>
        <source>suggested: %1</source>
        <translation>系统建议：%1</translation>
    </message>
</context>
<context>
    <name>ConsoleSession</name>
    <message>
        <source>the database does not answer</source>
        <extracomment>A database call running longer than this means the database is not answering (the banner must show within 2 s).</extracomment>
        <translation>数据库无响应</translation>
    </message>
    <message>
        <source>the database file was deleted, replaced or moved: nothing more is saved — restart the console on the right file</source>
        <translation>数据库文件已被删除、替换或移动：此后不会再保存任何内容——请在正确的数据库文件上重新启动控制台</translation>
    </message>
    <message>
        <source>Dispatched %s</source>
        <extracomment>How many recommendations the panel shows.</extracomment>
        <translation>已派遣 %s</translation>
    </message>
    <message>
        <source>Case assigned</source>
        <translation>已派单</translation>
    </message>
    <message>
        <source>Saved case %s</source>
        <translation>已保存事件 %s</translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <source>First start — county dispatch console</source>
        <translation>首次启动 — 综治指挥调度台</translation>
    </message>
    <message>
        <source>This workstation has not been set up yet. Where is the county&apos;s data?</source>
        <translation>本机尚未配置。请选择本县数据所在位置：</translation>
    </message>
    <message>
        <source>Open the demo county</source>
        <translation>打开演示县</translation>
    </message>
    <message>
        <source>A fictional county with a month of appeals, for training and trying the console out.</source>
        <translation>虚构的县，含一个月的诉求数据，用于培训和试用。</translation>
    </message>
    <message>
        <source>Connect to the center&apos;s shared database</source>
        <translation>连接中心共享数据库</translation>
    </message>
    <message>
        <source>The database server of the command center (PostgreSQL); every workstation sees the same data.</source>
        <translation>指挥中心的数据库服务器（PostgreSQL），各席位共享同一份数据。</translation>
    </message>
    <message>
        <source>Create an empty database and import the county</source>
        <translation>新建空数据库并导入本县数据</translation>
    </message>
    <message>
        <source>Grids from a GeoJSON file and units from a CSV file, and a first administrator.</source>
        <translation>从 GeoJSON 文件导入网格，从 CSV 文件导入力量，并创建首个管理员。</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Enter the address of the center&apos;s database, as the administrator gave it, for example:</source>
        <translation>请输入管理员提供的中心数据库地址，例如：</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Test the connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>Use this database</source>
        <translation>使用此数据库</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Connected. The database is empty: set it up with “Create an empty database and import the county” (the same address can be given there).</source>
        <translation>已连接。该数据库为空：请用“新建空数据库并导入本县数据”进行初始化（可填写同一地址）。</translation>
    </message>
    <message>
        <source>Connected. Its schema (version %1) will be brought up to date (version %2) at start.</source>
        <translation>已连接。启动时将把数据库结构从版本 %1 升级到版本 %2。</translation>
    </message>
    <message>
        <source>Connected. The database is ready.</source>
        <translation>已连接，数据库可用。</translation>
    </message>
    <message>
        <source>This is not a database address. It reads like postgresql://user:password@host:5432/name.</source>
        <translation>这不是有效的数据库地址。格式应为 postgresql://用户名:密码@主机:5432/库名。</translation>
    </message>
    <message>
        <source>Unknown kind of database: the address must begin with postgresql:// (or be a file).</source>
        <translation>不支持的数据库类型：地址须以 postgresql:// 开头（或为本机文件）。</translation>
    </message>
    <message>
        <source>The server name is unknown: check the address (or use the server&apos;s IP address).</source>
        <translation>无法识别服务器名称：请检查地址（或改用服务器 IP 地址）。</translation>
    </message>
    <message>
        <source>Nothing answers at this address and port: is the database server running, and is the port open in the firewall?</source>
        <translation>该地址和端口无响应：请确认数据库服务已启动，且防火墙已放行该端口。</translation>
    </message>
    <message>
        <source>The server did not answer in time: check the network cable and the address.</source>
        <translation>服务器响应超时：请检查网线和地址。</translation>
    </message>
    <message>
        <source>The network cannot reach this server: check the network settings.</source>
        <translation>网络无法到达该服务器：请检查网络设置。</translation>
    </message>
    <message>
        <source>The server refused the user name or password.</source>
        <translation>服务器拒绝了该用户名或密码。</translation>
    </message>
    <message>
        <source>The server answers, but this database does not exist on it.</source>
        <translation>服务器有响应，但其上不存在该数据库。</translation>
    </message>
    <message>
        <source>The database file cannot be opened or created at this place.</source>
        <translation>无法在此位置打开或创建数据库文件。</translation>
    </message>
    <message>
        <source>This file is not a database.</source>
        <translation>该文件不是数据库。</translation>
    </message>
    <message>
        <source>The database cannot be opened.</source>
        <translation>无法打开数据库。</translation>
    </message>
    <message>
        <source>A file on this workstation, or the address of an empty PostgreSQL database</source>
        <translation>本机上的文件，或一个空 PostgreSQL 数据库的地址</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>Grids (GeoJSON)</source>
        <translation>网格（GeoJSON）</translation>
    </message>
    <message>
        <source>GeoJSON (*.geojson *.json)</source>
        <translation>GeoJSON 文件 (*.geojson *.json)</translation>
    </message>
    <message>
        <source>Units (CSV, optional)</source>
        <translation>力量（CSV，可选）</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>%v of %m steps done</source>
        <translation>已完成 %v/%m 步</translation>
    </message>
    <message>
        <source>Create and import</source>
        <translation>创建并导入</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Choose a file</source>
        <translation>选择文件</translation>
    </message>
    <message>
        <source>Creating the tables…</source>
        <translation>正在创建数据表…</translation>
    </message>
    <message>
        <source>Importing the grids…</source>
        <translation>正在导入网格…</translation>
    </message>
    <message>
        <source>Importing the units…</source>
        <translation>正在导入力量…</translation>
    </message>
    <message>
        <source>Creating the administrator…</source>
        <translation>正在创建管理员…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Give the database file or address.</source>
        <translation>请填写数据库文件或地址。</translation>
    </message>
    <message>
        <source>Choose the grids file (GeoJSON).</source>
        <translation>请选择网格文件（GeoJSON）。</translation>
    </message>
    <message>
        <source>Give the administrator&apos;s user name.</source>
        <translation>请填写管理员用户名。</translation>
    </message>
    <message>
        <source>The administrator&apos;s password needs at least 8 characters.</source>
        <translation>管理员密码至少需要 8 个字符。</translation>
    </message>
    <message>
        <source>Checking the database…</source>
        <translation>正在检查数据库…</translation>
    </message>
    <message>
        <source>This database already holds data: choose “Connect to the center&apos;s shared database”.</source>
        <translation>该数据库已有数据：请选择“连接中心共享数据库”。</translation>
    </message>
    <message>
        <source>Nothing was imported: %1</source>
        <translation>未导入任何数据：%1</translation>
    </message>
</context>
<context>
    <name>FlagRiskDialog</name>
    <message>
        <source>Violence risk of case %1</source>
        <translation>案件 %1 民转刑风险</translation>
    </message>
    <message>
        <source>e.g. threatened revenge; knives at the quarrel; earlier fights</source>
        <translation>例如：扬言报复；争吵时持刀；曾多次打架</translation>
    </message>
    <message>
        <source>Why it could turn violent:</source>
        <translation>可能激化的原因：</translation>
    </message>
    <message>
        <source> h</source>
        <translation> 小时</translation>
    </message>
    <message>
        <source>Visit within, after resolution:</source>
        <translation>办结后须在此时限内走访：</translation>
    </message>
</context>
<context>
    <name>FollowUpBoard</name>
    <message>
        <source>Next step</source>
        <extracomment>Written changes arrive by the change feed (`KINDS`); this timer is for what the clock changes with nothing written: a follow-up step or a campaign task falling due. A campaign with at most this many grids shows them without unfolding its townships. On a campaign&apos;s rows: (campaign name, the grid code on a grid&apos;s row, else None). Events after which the lists are read again.</extracomment>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>期限</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>Leader</source>
        <translation>包案领导</translation>
    </message>
    <message>
        <source>Risk</source>
        <translation>风险</translation>
    </message>
    <message>
        <source>Campaign / township</source>
        <translation type="vanished">排查 / 乡镇</translation>
    </message>
    <message>
        <source>Campaign / township / grid</source>
        <translation>排查 / 乡镇 / 网格</translation>
    </message>
    <message>
        <source>Grids visited</source>
        <translation>已走访网格</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>走访</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>发现问题</translation>
    </message>
    <message>
        <source>Cases resolved</source>
        <translation>已办结案件</translation>
    </message>
    <message>
        <source>Nothing to follow up</source>
        <translation>暂无需跟进事项</translation>
    </message>
    <message>
        <source>Leader-owned cases</source>
        <translation>领导包案</translation>
    </message>
    <message>
        <source>Violence risk: visit not yet recorded</source>
        <translation>民转刑风险：尚未回访</translation>
    </message>
    <message>
        <source>Screening campaigns</source>
        <translation>排查</translation>
    </message>
    <message>
        <source>Record visit…</source>
        <translation>登记走访…</translation>
    </message>
    <message>
        <source>Record a household or venue visited for the selected campaign grid (Enter)</source>
        <translation>为所选排查网格登记走访的住户或场所（回车）</translation>
    </message>
    <message>
        <source>Finding filed as case %1</source>
        <extracomment>Whether this role records visits at all (the core&apos;s table); shown while there is a campaign.</extracomment>
        <translation>发现问题已立案：%1</translation>
    </message>
    <message>
        <source>visit</source>
        <translation>走访</translation>
    </message>
    <message>
        <source>callback</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>after resolution</source>
        <translation>办结后</translation>
    </message>
    <message>
        <source>due %1</source>
        <translation>截止 %1</translation>
    </message>
</context>
<context>
    <name>FollowUpLine</name>
    <message>
        <source>Owned by %1</source>
        <translation>包案领导：%1</translation>
    </message>
    <message>
        <source>visit</source>
        <translation>走访</translation>
    </message>
    <message>
        <source>callback</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>next: %1 by %2</source>
        <translation>下一步：%2 前%1</translation>
    </message>
    <message>
        <source>Violence risk: %1</source>
        <translation>民转刑风险：%1</translation>
    </message>
</context>
<context>
    <name>HandoffBox</name>
    <message>
        <source>110 police line</source>
        <translation>110接警台</translation>
    </message>
    <message>
        <source>12345 hotline</source>
        <translation>12345政务热线</translation>
    </message>
    <message>
        <source>waiting for acceptance</source>
        <translation>等待受理</translation>
    </message>
    <message>
        <source>accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <source>refused, back with us</source>
        <translation>已退回本中心</translation>
    </message>
    <message>
        <source>result received</source>
        <translation>已反馈结果</translation>
    </message>
    <message>
        <source>Hand off…</source>
        <translation>移交…</translation>
    </message>
    <message>
        <source>Hand the case to the 110 police line or the 12345 hotline</source>
        <translation>将事件移交110接警台或12345政务热线</translation>
    </message>
    <message>
        <source>Handed to %1 at %2 by %3</source>
        <translation>%3于%2移交%1</translation>
    </message>
    <message>
        <source>ref %1</source>
        <translation>编号 %1</translation>
    </message>
    <message>
        <source>%1:%2 left to accept</source>
        <translation>受理剩余 %1:%2</translation>
    </message>
    <message>
        <source>not accepted in time</source>
        <translation>超时未受理</translation>
    </message>
    <message>
        <source>Hand off</source>
        <translation>移交</translation>
    </message>
    <message>
        <source>Hand the case to:</source>
        <translation>移交至：</translation>
    </message>
    <message>
        <source>The other side&apos;s reference number, if given on the phone (optional):</source>
        <translation>对方电话告知的编号（可选）：</translation>
    </message>
</context>
<context>
    <name>IntakeFiles</name>
    <message>
        <source>Attach…</source>
        <translation>添加附件…</translation>
    </message>
    <message>
        <source>Paste image</source>
        <translation>粘贴图片</translation>
    </message>
    <message>
        <source>Remove files</source>
        <translation>移除附件</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <source>Photos, recordings and documents (*)</source>
        <translation>照片、录音和文档 (*)</translation>
    </message>
    <message>
        <source>Files: %1</source>
        <translation>附件：%1</translation>
    </message>
    <message>
        <source>No files (drop photos here)</source>
        <translation>无附件（可将照片拖到此处）</translation>
    </message>
</context>
<context>
    <name>IntakeForm</name>
    <message>
        <source>Caller&apos;s phone</source>
        <extracomment>The fields an error can name, in the order of the form.</extracomment>
        <translation>来电号码</translation>
    </message>
    <message>
        <source>Caller&apos;s name (optional)</source>
        <translation>诉求人姓名（选填）</translation>
    </message>
    <message>
        <source>What happened, in the caller&apos;s words</source>
        <translation>诉求内容（按来电人原话记录）</translation>
    </message>
    <message>
        <source>Address or landmark (type to complete; or click the map)</source>
        <translation>地址或地标（输入可自动补全，也可在地图上点选）</translation>
    </message>
    <message>
        <source>No location yet</source>
        <translation>尚未定位</translation>
    </message>
    <message>
        <source>Possible duplicates. Ctrl+M saves this appeal merged into the selected one.</source>
        <translation>疑似重复诉求。按 Ctrl+M 保存并并入所选诉求。</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>诉求人</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>诉求内容</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Category / priority</source>
        <translation>类别 / 等级</translation>
    </message>
    <message>
        <source>Duplicates?</source>
        <translation>疑似重复</translation>
    </message>
    <message>
        <source>Save  (Ctrl+S)</source>
        <translation>保存  (Ctrl+S)</translation>
    </message>
    <message>
        <source>Save and dispatch nearest  (Ctrl+Enter)</source>
        <translation>保存并派遣最近力量  (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Merge  (Ctrl+M)</source>
        <translation>合并  (Ctrl+M)</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>Draft restored — it was kept when the console last stopped.</source>
        <translation>已恢复草稿（上次关闭时自动保存）。</translation>
    </message>
    <message>
        <source>Suggested category: %1 (%2)</source>
        <translation>建议类别：%1（%2）</translation>
    </message>
    <message>
        <source>Locating…</source>
        <translation>正在定位…</translation>
    </message>
    <message>
        <source>No place yet — a unit cannot be sent. Pick a match (Enter) or the place on the map (F3), then Ctrl+Enter.</source>
        <translation>尚无地点，无法派遣力量。请选择匹配地址（回车）或在地图上点选（F3），再按 Ctrl+Enter。</translation>
    </message>
    <message>
        <source>No place yet — a unit cannot be sent. Pick a match (Enter) or click the map, then Ctrl+Enter.</source>
        <translation type="vanished">尚未定位——无法派遣力量。请选择匹配地址（回车）或在地图上点选，然后按 Ctrl+Enter。</translation>
    </message>
    <message>
        <source>Saved %1, not dispatched: %2</source>
        <translation>已保存 %1，未派遣：%2</translation>
    </message>
    <message>
        <source>First appeal from this number.</source>
        <extracomment>Duplicate candidates listed at most.</extracomment>
        <translation>该号码首次来电。</translation>
    </message>
    <message>
        <source>%1 appeals in the last year · last %2 %3 (%4)</source>
        <translation>近一年诉求 %1 次 · 最近一次 %2 %3（%4）</translation>
    </message>
    <message>
        <source>Grid %1 · %2</source>
        <translation>网格 %1 · %2</translation>
    </message>
    <message>
        <source>Outside the county&apos;s grids</source>
        <translation>不在本县网格范围内</translation>
    </message>
    <message>
        <source>Deadline %1 (%2)</source>
        <translation>时限 %1（%2）</translation>
    </message>
    <message>
        <source>near %1</source>
        <translation>%1附近</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Saved %1.</source>
        <translation>已保存 %1。</translation>
    </message>
</context>
<context>
    <name>KpiDashboard</name>
    <message>
        <source>Today</source>
        <extracomment>How long each panel stays on the wall in rotating mode. At most this many groups are drawn (the largest); the rest stay in the report.</extracomment>
        <translation>今日</translation>
    </message>
    <message>
        <source>7 days</source>
        <translation>近7天</translation>
    </message>
    <message>
        <source>30 days</source>
        <translation>近30天</translation>
    </message>
    <message>
        <source>By township</source>
        <translation>按乡镇</translation>
    </message>
    <message>
        <source>By category</source>
        <translation>按类别</translation>
    </message>
    <message>
        <source>By channel</source>
        <translation>按渠道</translation>
    </message>
    <message>
        <source>By handler</source>
        <translation>按承办单位</translation>
    </message>
    <message>
        <source>By unit kind</source>
        <translation>按力量类型</translation>
    </message>
    <message>
        <source>Rotate panels</source>
        <translation>轮播</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>受理量</translation>
    </message>
    <message>
        <source>Open now</source>
        <translation>在办</translation>
    </message>
    <message>
        <source>Overdue now</source>
        <translation>超期</translation>
    </message>
    <message>
        <source>Resolution rate</source>
        <translation>办结率</translation>
    </message>
    <message>
        <source>On-time rate</source>
        <translation>按时办结率</translation>
    </message>
    <message>
        <source>Satisfaction</source>
        <translation>满意率</translation>
    </message>
    <message>
        <source>Repeat rate</source>
        <translation>重复诉求率</translation>
    </message>
    <message>
        <source>Return rate</source>
        <translation>退单率</translation>
    </message>
    <message>
        <source>Dispatched ≤ 60 s</source>
        <translation>60秒内派遣率</translation>
    </message>
    <message>
        <source>Dispatch time p90</source>
        <translation>派遣用时（90分位）</translation>
    </message>
    <message>
        <source>Click to show the overdue cases</source>
        <translation>点击查看超期事件</translation>
    </message>
    <message>
        <source>Received and still open</source>
        <translation>已受理仍在办</translation>
    </message>
    <message>
        <source>Resolution rate (closed loops)</source>
        <translation>办结率（闭环）</translation>
    </message>
    <message>
        <source>Received per hour: today and 7-day average</source>
        <translation>每小时受理量：今日与近7天平均</translation>
    </message>
    <message>
        <source>Received and closed per day</source>
        <translation>每日受理与办结</translation>
    </message>
    <message>
        <source>Emergency clock, 90th percentile (minutes)</source>
        <translation>应急处置用时，90分位（分钟）</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>as of %1</source>
        <translation>截至 %1</translation>
    </message>
    <message>
        <source>valid %1</source>
        <translation>有效 %1</translation>
    </message>
    <message>
        <source>%1 dispatched</source>
        <translation>已派遣 %1</translation>
    </message>
    <message>
        <source>%1 · open %2</source>
        <translation>%1 · 在办 %2</translation>
    </message>
    <message>
        <source>Received → dispatched</source>
        <translation>受理→派遣</translation>
    </message>
    <message>
        <source>Dispatched → on scene</source>
        <translation>派遣→到场</translation>
    </message>
    <message>
        <source>On scene → cleared</source>
        <translation>到场→处置完毕</translation>
    </message>
    <message>
        <source>Received → cleared</source>
        <translation>受理→处置完毕</translation>
    </message>
    <message>
        <source>p50 %1 min · ≤ %2 min: %3</source>
        <translation>中位数 %1 分钟 · ≤%2 分钟：%3</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <source>Received</source>
        <extracomment>Keyed by (enum class, value): some codes are shared (&quot;other&quot; is a category and a channel).</extracomment>
        <translation>已受理</translation>
    </message>
    <message>
        <source>Dispatched</source>
        <translation>已派遣</translation>
    </message>
    <message>
        <source>On scene</source>
        <translation>已到场</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>已办结</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <source>Merged</source>
        <translation>已合并</translation>
    </message>
    <message>
        <source>Invalid</source>
        <translation>无效</translation>
    </message>
    <message>
        <source>Dispute</source>
        <translation>矛盾纠纷</translation>
    </message>
    <message>
        <source>Public order</source>
        <translation>治安</translation>
    </message>
    <message>
        <source>Safety hazard</source>
        <translation>安全隐患</translation>
    </message>
    <message>
        <source>Traffic</source>
        <translation>交通</translation>
    </message>
    <message>
        <source>Assistance</source>
        <translation>求助</translation>
    </message>
    <message>
        <source>Livelihood</source>
        <translation>民生服务</translation>
    </message>
    <message>
        <source>Environment</source>
        <translation>环境卫生</translation>
    </message>
    <message>
        <source>Petition</source>
        <translation>信访</translation>
    </message>
    <message>
        <source>Consultation</source>
        <translation>咨询</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>12345 hotline</source>
        <translation>12345热线</translation>
    </message>
    <message>
        <source>110 police</source>
        <translation>110警情</translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation>群众来访</translation>
    </message>
    <message>
        <source>Grid report</source>
        <translation>网格上报</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>网上诉求</translation>
    </message>
    <message>
        <source>Patrol</source>
        <translation>巡查发现</translation>
    </message>
    <message>
        <source>Video</source>
        <translation>视频发现</translation>
    </message>
    <message>
        <source>Other channel</source>
        <translation>其他渠道</translation>
    </message>
    <message>
        <source>Red</source>
        <translation>红色</translation>
    </message>
    <message>
        <source>Orange</source>
        <translation>橙色</translation>
    </message>
    <message>
        <source>Yellow</source>
        <translation>黄色</translation>
    </message>
    <message>
        <source>Blue</source>
        <translation>蓝色</translation>
    </message>
    <message>
        <source>Patrol car</source>
        <translation>巡逻车</translation>
    </message>
    <message>
        <source>Foot patrol</source>
        <translation>步巡</translation>
    </message>
    <message>
        <source>Traffic police</source>
        <translation>交警</translation>
    </message>
    <message>
        <source>Grid worker</source>
        <translation>网格员</translation>
    </message>
    <message>
        <source>Volunteer team</source>
        <translation>志愿巡防队</translation>
    </message>
    <message>
        <source>Mediator</source>
        <translation>调解员</translation>
    </message>
    <message>
        <source>Drone</source>
        <translation>无人机</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>En route</source>
        <translation>在途</translation>
    </message>
    <message>
        <source>Off duty</source>
        <translation>不在岗</translation>
    </message>
    <message>
        <source>Dispatcher</source>
        <translation>调度员</translation>
    </message>
    <message>
        <source>Shift leader</source>
        <translation>值班长</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>系统管理员</translation>
    </message>
    <message>
        <source>Wall display</source>
        <translation>大屏</translation>
    </message>
    <message>
        <source>Handler</source>
        <translation>承办人员</translation>
    </message>
    <message>
        <source>awaiting sign-off</source>
        <translation>待签收</translation>
    </message>
    <message>
        <source>signed for</source>
        <translation>已签收</translation>
    </message>
    <message>
        <source>returned</source>
        <translation>已退单</translation>
    </message>
    <message>
        <source>handled</source>
        <translation>已办结</translation>
    </message>
    <message>
        <source>transferred</source>
        <translation>已转办</translation>
    </message>
    <message>
        <source>Upcoming</source>
        <translation>未开始</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Met</source>
        <translation>达标</translation>
    </message>
    <message>
        <source>Met late</source>
        <translation>迟到达标</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>未达标</translation>
    </message>
    <message>
        <source>Awaiting review</source>
        <translation>待审核</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已通过</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>已退回</translation>
    </message>
    <message>
        <source>Point</source>
        <translation>定点</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>路线</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>信息修改</translation>
    </message>
    <message>
        <source>Unit dispatched</source>
        <translation>派遣力量</translation>
    </message>
    <message>
        <source>Marked invalid</source>
        <translation>标记无效</translation>
    </message>
    <message>
        <source>Escalated</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Reopened</source>
        <translation>重新办理</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Unit status</source>
        <translation>力量状态</translation>
    </message>
    <message>
        <source>Unit moved</source>
        <translation>力量位置</translation>
    </message>
    <message>
        <source>Assigned</source>
        <translation>派单</translation>
    </message>
    <message>
        <source>Assignment accepted</source>
        <translation>签收</translation>
    </message>
    <message>
        <source>Assignment returned</source>
        <translation>退单</translation>
    </message>
    <message>
        <source>Assignment resolved</source>
        <translation>承办办结</translation>
    </message>
    <message>
        <source>Assignment transferred</source>
        <translation>转办</translation>
    </message>
    <message>
        <source>Assignment paused</source>
        <translation>暂停计时</translation>
    </message>
    <message>
        <source>Assignment resumed</source>
        <translation>恢复计时</translation>
    </message>
    <message>
        <source>Deadline extended</source>
        <translation>延期</translation>
    </message>
    <message>
        <source>Callback recorded</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Logged in</source>
        <translation>登录成功</translation>
    </message>
    <message>
        <source>Failed login</source>
        <translation>登录失败</translation>
    </message>
    <message>
        <source>Taken locally</source>
        <translation>就地化解</translation>
    </message>
    <message>
        <source>Sent up a level</source>
        <translation>上交</translation>
    </message>
    <message>
        <source>Sent down a level</source>
        <translation>下派</translation>
    </message>
    <message>
        <source>Handed off</source>
        <translation>已移交</translation>
    </message>
    <message>
        <source>Hand-off accepted</source>
        <translation>移交已受理</translation>
    </message>
    <message>
        <source>Hand-off refused</source>
        <translation>移交被退回</translation>
    </message>
    <message>
        <source>Hand-off result</source>
        <translation>移交办理结果</translation>
    </message>
    <message>
        <source>Hand-off not accepted in time</source>
        <translation>移交超时未受理</translation>
    </message>
    <message>
        <source>Triage</source>
        <translation>分诊</translation>
    </message>
    <message>
        <source>Places imported</source>
        <translation>导入标准地址</translation>
    </message>
    <message>
        <source>Shift handover</source>
        <translation>交接班</translation>
    </message>
    <message>
        <source>Patrol plan created</source>
        <translation>巡防计划已创建</translation>
    </message>
    <message>
        <source>Patrol plan changed</source>
        <translation>巡防计划已修改</translation>
    </message>
    <message>
        <source>Patrol plan suspended</source>
        <translation>巡防计划已暂停</translation>
    </message>
    <message>
        <source>Patrol plan resumed</source>
        <translation>巡防计划已恢复</translation>
    </message>
    <message>
        <source>Patrol plans imported</source>
        <translation>巡防计划已导入</translation>
    </message>
    <message>
        <source>Patrol progress</source>
        <translation>巡防进度</translation>
    </message>
    <message>
        <source>Patrol shift approved</source>
        <translation>巡防班次审核通过</translation>
    </message>
    <message>
        <source>Patrol shift returned</source>
        <translation>巡防班次被退回</translation>
    </message>
    <message>
        <source>Filed from patrol</source>
        <translation>巡防上报</translation>
    </message>
    <message>
        <source>Key sites imported</source>
        <translation>重点单位已导入</translation>
    </message>
    <message>
        <source>Unit relocated</source>
        <translation>力量前置</translation>
    </message>
    <message>
        <source>File attached</source>
        <translation>已添加附件</translation>
    </message>
    <message>
        <source>Place taken from photo</source>
        <translation>位置取自照片</translation>
    </message>
    <message>
        <source>Owned by a leader</source>
        <translation>领导包案</translation>
    </message>
    <message>
        <source>Follow-up planned</source>
        <translation>已安排回访/走访</translation>
    </message>
    <message>
        <source>Follow-up recorded</source>
        <translation>已记录回访/走访</translation>
    </message>
    <message>
        <source>Violence risk flagged</source>
        <translation>已标记民转刑风险</translation>
    </message>
    <message>
        <source>Screening campaign started</source>
        <translation>排查已启动</translation>
    </message>
    <message>
        <source>Screening visit</source>
        <translation>排查走访</translation>
    </message>
    <message>
        <source>grid worker of this grid</source>
        <extracomment>Recommendation reason codes (console/geo/ranking.py) → text.</extracomment>
        <translation>本网格网格员</translation>
    </message>
    <message>
        <source>position is stale</source>
        <translation>定位已过时</translation>
    </message>
    <message>
        <source>no position reported</source>
        <translation>无定位</translation>
    </message>
    <message>
        <source>nearest</source>
        <translation>距离最近</translation>
    </message>
    <message>
        <source>by distance</source>
        <translation>距离较近</translation>
    </message>
    <message>
        <source>by road</source>
        <translation>按道路</translation>
    </message>
    <message>
        <source>straight-line estimate</source>
        <translation>直线估算</translation>
    </message>
    <message>
        <source>cannot reach by road</source>
        <translation>道路不可达</translation>
    </message>
    <message>
        <source>mediation</source>
        <translation>调解</translation>
    </message>
    <message>
        <source>patrol</source>
        <translation>巡逻</translation>
    </message>
    <message>
        <source>policing</source>
        <translation>治安处置</translation>
    </message>
    <message>
        <source>fire</source>
        <translation>消防</translation>
    </message>
    <message>
        <source>inspection</source>
        <translation>巡查核查</translation>
    </message>
    <message>
        <source>traffic</source>
        <translation>交通疏导</translation>
    </message>
    <message>
        <source>first aid</source>
        <translation>急救</translation>
    </message>
    <message>
        <source>rescue</source>
        <translation>救援</translation>
    </message>
    <message>
        <source>aerial view</source>
        <translation>空中侦察</translation>
    </message>
    <message>
        <source>Channel</source>
        <extracomment>Intake and service field names → text, for inline validation messages.</extracomment>
        <translation>来源</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>诉求内容</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>诉求人</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <source>Received at</source>
        <translation>受理时间</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>办理结果</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>system</source>
        <extracomment>The core&apos;s own actors (automatic escalation, the demo&apos;s simulator), named as a person reads them.</extracomment>
        <translation>系统</translation>
    </message>
    <message>
        <source>simulator</source>
        <translation>模拟器</translation>
    </message>
    <message>
        <source>deadline passed</source>
        <extracomment>Reasons the core writes as codes (automatic escalation); reasons typed by a person are shown as written.</extracomment>
        <translation>超过办理时限</translation>
    </message>
    <message>
        <source>assignment past its deadline</source>
        <translation>派单超期</translation>
    </message>
    <message>
        <source>superseded</source>
        <translation>已被替代</translation>
    </message>
    <message>
        <source>can do: {0}</source>
        <translation>可处置：{0}</translation>
    </message>
    <message>
        <source>county and units</source>
        <extracomment>Stages of a long job shown in a progress dialog (the demo county&apos;s build, imports).</extracomment>
        <translation>县域与力量</translation>
    </message>
    <message>
        <source>case history</source>
        <translation>历史案件</translation>
    </message>
    <message>
        <source>unit positions</source>
        <translation>力量位置</translation>
    </message>
</context>
<context>
    <name>LevelFigures</name>
    <message>
        <source>Resolved locally: resolved at a village or township without being sent up (就地化解), of all resolved</source>
        <translation>就地化解率：在村或乡镇办结且未上交（就地化解）的案件占全部办结案件的比例</translation>
    </message>
    <message>
        <source>village %1 · township %2 · county %3</source>
        <extracomment>What is shown, by figure (`levels`, `local`, `handoffs`, `in_time`, `returned`), as plain text.</extracomment>
        <translation>村 %1 · 乡镇 %2 · 县 %3</translation>
    </message>
    <message>
        <source>to 110: %1 · to 12345: %2 · waiting %3</source>
        <translation>移交110：%1 · 移交12345：%2 · 待受理 %3</translation>
    </message>
    <message>
        <source>Resolved at</source>
        <translation>办结层级</translation>
    </message>
    <message>
        <source>Resolved locally</source>
        <translation>就地化解</translation>
    </message>
    <message>
        <source>Hand-offs</source>
        <translation>移交</translation>
    </message>
    <message>
        <source>accepted in time</source>
        <translation>按时受理</translation>
    </message>
    <message>
        <source>returned</source>
        <translation>退回</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Log in — county dispatch console</source>
        <translation>登录 — 综治指挥调度台</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Enter your user name and password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message numerus="yes">
        <source>Locked after too many failed logins. Try again in %n minute(s).</source>
        <translation>
            <numerusform>登录失败次数过多，账号已临时锁定，请 %n 分钟后再试。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Too many failed logins. Try again in %n second(s).</source>
        <translation>
            <numerusform>登录失败次数过多，请 %n 秒后再试。</numerusform>
        </translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>County dispatch console — %1 (%2)</source>
        <translation>综治指挥调度台 — %1（%2）</translation>
    </message>
    <message>
        <source>Intake</source>
        <translation>诉求受理</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>事件详情</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>事件队列</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>巡防力量</translation>
    </message>
    <message>
        <source>Figures</source>
        <translation>数据统计</translation>
    </message>
    <message>
        <source>Wall</source>
        <extracomment>Makes a map for a second window (the wall on another screen); the console sets its live map&apos;s maker.</extracomment>
        <translation>大屏</translation>
    </message>
    <message>
        <source>Supervision</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation>包案与排查</translation>
    </message>
    <message>
        <source>Loading the open cases and units…</source>
        <translation>正在加载在办事件和力量…</translation>
    </message>
    <message>
        <source>Key-site readiness</source>
        <translation>重点单位战备</translation>
    </message>
    <message>
        <source>Track playback</source>
        <translation>轨迹回放</translation>
    </message>
    <message>
        <source>Patrol</source>
        <translation>巡防</translation>
    </message>
    <message>
        <source>&amp;Console</source>
        <translation>调度台(&amp;C)</translation>
    </message>
    <message>
        <source>C&amp;ase</source>
        <translation>事件(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Unit</source>
        <translation>力量(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>%1 open cases, %2 units</source>
        <translation>在办事件 %1 件，力量 %2 个</translation>
    </message>
    <message>
        <source>Database connection restored.</source>
        <translation>数据库连接已恢复。</translation>
    </message>
    <message>
        <source>Database unreachable: its file was deleted, replaced or moved. Nothing is saved from now on; drafts are kept. Restart the console on the right database file.</source>
        <translation>数据库不可用：其文件已被删除、替换或移动。此后不会保存任何内容；草稿已保留。请在正确的数据库文件上重新启动控制台。</translation>
    </message>
    <message>
        <source>Database unreachable — showing the last known state. Nothing can be saved until it is back; drafts are kept. Retrying…</source>
        <translation>数据库无法连接 — 当前显示的是最后已知状态。恢复前无法保存，草稿已保留。正在重试…</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>OFFLINE</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>feed %1 ok</source>
        <translation>接入 %1 正常</translation>
    </message>
    <message>
        <source>feed %1 %2</source>
        <translation>接入 %1 %2</translation>
    </message>
    <message>
        <source>Click the place on the map</source>
        <translation>请在地图上点击诉求地点</translation>
    </message>
    <message>
        <source>Map</source>
        <translation>地图</translation>
    </message>
</context>
<context>
    <name>MapWidget</name>
    <message>
        <source>Basemap</source>
        <extracomment>Pending units and cases are turned into rows this many at a time; a batch takes slices until it has used `BATCH_CPU_MS` of the interface thread&apos;s processor time (its own work: a busy machine does not make batches smaller). What is left of a big change (the first snapshot of 10,000 open cases) goes out in the following turns of the event loop, so that no batch holds the interface for long, while a batch of moves (5,000 units: a few milliseconds) goes out whole, as one message the page draws once. Fixes age and deadlines pass without new data: every so often the shown units and cases are looked at again.</extracomment>
        <translation>底图</translation>
    </message>
    <message>
        <source>County boundary</source>
        <translation>县界</translation>
    </message>
    <message>
        <source>Townships</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>Grids</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>力量</translation>
    </message>
    <message>
        <source>Open cases</source>
        <translation>在办事件</translation>
    </message>
    <message>
        <source>Recommendations</source>
        <translation>推荐力量</translation>
    </message>
    <message>
        <source>30-day heat map</source>
        <translation>近30天热力图</translation>
    </message>
    <message>
        <source>30-day cases (clusters)</source>
        <translation>近30天事件（聚合）</translation>
    </message>
    <message>
        <source>New appeal here</source>
        <translation>在此新建诉求</translation>
    </message>
    <message>
        <source>overdue</source>
        <translation>超期</translation>
    </message>
    <message>
        <source>Legend</source>
        <translation>图例</translation>
    </message>
    <message>
        <source>Unit kinds</source>
        <translation>力量类型</translation>
    </message>
    <message>
        <source>Unit states</source>
        <translation>力量状态</translation>
    </message>
    <message>
        <source>Case priorities</source>
        <translation>案件等级</translation>
    </message>
    <message>
        <source>position fix is old</source>
        <translation>定位已过时</translation>
    </message>
    <message>
        <source>Patrol plans</source>
        <translation>巡防计划</translation>
    </message>
    <message>
        <source>Key sites</source>
        <translation>重点单位</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>路线</translation>
    </message>
    <message>
        <source>Reach (1/3/5 min)</source>
        <translation>1/3/5 分钟可达范围</translation>
    </message>
    <message>
        <source>Track playback</source>
        <translation>轨迹回放</translation>
    </message>
    <message>
        <source>done today</source>
        <translation>今日已完成</translation>
    </message>
    <message>
        <source>due now</source>
        <translation>正在进行</translation>
    </message>
    <message>
        <source>missed</source>
        <translation>未完成</translation>
    </message>
    <message>
        <source>planned later today</source>
        <translation>今日稍后</translation>
    </message>
    <message>
        <source>not planned today</source>
        <translation>今日无计划</translation>
    </message>
    <message>
        <source>covered</source>
        <translation>已覆盖</translation>
    </message>
    <message>
        <source>not covered</source>
        <translation>未覆盖</translation>
    </message>
    <message>
        <source>no unit can reach it</source>
        <translation>无力量可及时到达</translation>
    </message>
    <message>
        <source>target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>min</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>stop</source>
        <translation>停留</translation>
    </message>
    <message>
        <source>check-in</source>
        <translation>签到</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>The database cannot be reached: nothing was saved. Your draft is kept; try again when it is back.</source>
        <translation>数据库无法连接：未保存任何内容。草稿已保留，请在连接恢复后重试。</translation>
    </message>
    <message>
        <source>{unit} was just dispatched by {who} to case {case}. Choose another unit.</source>
        <translation>{unit} 刚被 {who} 派往事件 {case}，请另选力量。</translation>
    </message>
    <message>
        <source>{unit} is no longer available. Choose another unit.</source>
        <translation>{unit} 已不是空闲状态，请另选力量。</translation>
    </message>
    <message>
        <source>{field}: {message}</source>
        <translation>{field}：{message}</translation>
    </message>
    <message>
        <source>Your role may not do this ({action}).</source>
        <translation>您的角色无权执行此操作（{action}）。</translation>
    </message>
    <message>
        <source>Not done: {what} {key} is now {state} (it may have changed at another workstation).</source>
        <translation>未执行：{what} {key} 当前为 {state}（可能已在其他席位处理）。</translation>
    </message>
    <message>
        <source>Not found: {what} {key}.</source>
        <translation>未找到：{what} {key}。</translation>
    </message>
    <message>
        <source>Unexpected error: {error}</source>
        <translation>意外错误：{error}</translation>
    </message>
</context>
<context>
    <name>OpDialog</name>
    <message>
        <source>%1: %2</source>
        <extracomment>The operation&apos;s value, once the core accepted it (the dialog then closes). The core&apos;s field names → (the label shown, the widget to focus).</extracomment>
        <translation>%1：%2</translation>
    </message>
</context>
<context>
    <name>OwnCaseDialog</name>
    <message>
        <source>Leader owns case %1</source>
        <translation>领导包案：%1</translation>
    </message>
    <message>
        <source>e.g. 李书记 (township party secretary)</source>
        <translation>例如 李书记（乡镇党委书记）</translation>
    </message>
    <message>
        <source>Leader:</source>
        <translation>包案领导：</translation>
    </message>
    <message>
        <source>Add visit or callback</source>
        <extracomment>The open steps of the plan the case has already (hidden without).</extracomment>
        <translation>添加走访或回访</translation>
    </message>
    <message>
        <source>Follow-up plan:</source>
        <translation>跟进计划：</translation>
    </message>
    <message>
        <source>Note:</source>
        <translation>备注：</translation>
    </message>
    <message>
        <source>%1 by %2</source>
        <translation>%1（%2 前）</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>走访</translation>
    </message>
    <message>
        <source>Callback</source>
        <translation>回访电话</translation>
    </message>
    <message>
        <source>Planned already: %1. Steps added below join them.</source>
        <translation>已有计划：%1。下方新增的步骤将一并加入。</translation>
    </message>
    <message>
        <source>Step %1</source>
        <translation>第 %1 步</translation>
    </message>
</context>
<context>
    <name>PatrolFilingDialog</name>
    <message>
        <source>File from patrol — %1</source>
        <translation>巡防上报 — %1</translation>
    </message>
    <message>
        <source>What the unit found</source>
        <translation>巡防发现的情况</translation>
    </message>
    <message>
        <source>optional; the unit&apos;s position is used</source>
        <translation>可不填；使用该力量的当前位置</translation>
    </message>
    <message>
        <source>Channel: patrol · at the unit&apos;s last position, with its grid and shift</source>
        <translation>来源：巡防 · 位置取该力量最新定位，自动填入网格和班次</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
</context>
<context>
    <name>PatrolLink</name>
    <message>
        <source>Patrol shift approved.</source>
        <extracomment>Events after which today&apos;s board and the plans layer are read again. Events after which readiness is read again (a unit taken or freed, moved or relocated, new sites).</extracomment>
        <translation>巡防班次已审核通过。</translation>
    </message>
    <message>
        <source>Patrol shift returned to its team.</source>
        <translation>巡防班次已退回。</translation>
    </message>
    <message>
        <source>%1 ordered to stand by at %2.</source>
        <translation>已令 %1 前置至 %2 待命。</translation>
    </message>
    <message>
        <source>Patrol plan saved: %1.</source>
        <translation>巡防计划已保存：%1。</translation>
    </message>
    <message>
        <source>Filed from patrol as %1.</source>
        <translation>已作为巡防上报受理：%1。</translation>
    </message>
</context>
<context>
    <name>PatrolPanel</name>
    <message>
        <source>Plan</source>
        <translation>计划</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>时段</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>审核</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>要求</translation>
    </message>
    <message>
        <source>Best arrival</source>
        <translation>最快到达</translation>
    </message>
    <message>
        <source>Margin</source>
        <translation>余量</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>力量</translation>
    </message>
    <message>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Covers</source>
        <translation>覆盖</translation>
    </message>
    <message>
        <source>Play track</source>
        <translation>轨迹回放</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>审核通过</translation>
    </message>
    <message>
        <source>Return…</source>
        <translation>退回…</translation>
    </message>
    <message>
        <source>Suggested moves (力量前置)</source>
        <translation>建议前置（力量前置）</translation>
    </message>
    <message>
        <source>Send move order</source>
        <translation>下达前置指令</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>To review</source>
        <translation>待审核</translation>
    </message>
    <message>
        <source>Key sites</source>
        <translation>重点单位</translation>
    </message>
    <message>
        <source>Suggested plans</source>
        <translation>研判建议</translation>
    </message>
    <message>
        <source>To review (%1)</source>
        <translation>待审核（%1）</translation>
    </message>
    <message>
        <source>min</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>Key sites (%1 not covered)</source>
        <translation>重点单位（%1 处未覆盖）</translation>
    </message>
    <message>
        <source>Return shift</source>
        <translation>退回班次</translation>
    </message>
    <message>
        <source>Remark for the team (why it is returned):</source>
        <translation>退回意见（告知巡防队原因）：</translation>
    </message>
</context>
<context>
    <name>PlanStep</name>
    <message>
        <source>Visit</source>
        <extracomment>How many days ahead a new plan step is due unless changed.</extracomment>
        <translation>走访</translation>
    </message>
    <message>
        <source>Callback</source>
        <translation>回访电话</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>PlaybackBar</name>
    <message>
        <source>Callsigns, separated by ;</source>
        <translation>呼号，以 ; 分隔</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>载入</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>End playback</source>
        <translation>结束回放</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>力量</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Loading the tracks…</source>
        <translation>正在载入轨迹…</translation>
    </message>
    <message>
        <source>%1 units, %2 fixes, %3 stops, %4 check-ins, %5 cases</source>
        <translation>%1 个力量，%2 个定位点，%3 处停留，%4 次签到，%5 起事件</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
</context>
<context>
    <name>QueueModel</name>
    <message>
        <source>Pri.</source>
        <extracomment>Background of a row whose alarm is unacknowledged, in the bright phase of its flash.</extracomment>
        <translation>等级</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>已用时</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>剩余时限</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>Place / description</source>
        <translation>地点 / 内容</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>力量</translation>
    </message>
</context>
<context>
    <name>QueueWidget</name>
    <message>
        <source>Search number, phone, words…  (Ctrl+F)</source>
        <translation>搜索编号、电话、关键词…  (Ctrl+F)</translation>
    </message>
    <message>
        <source>All open</source>
        <translation>全部在办</translation>
    </message>
    <message>
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <source>All townships</source>
        <translation>全部乡镇</translation>
    </message>
    <message>
        <source>All channels</source>
        <translation>全部渠道</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>我的</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
    <message>
        <source>Time filter ✕</source>
        <translation>时段筛选 ✕</translation>
    </message>
    <message>
        <source>Cases received in the period clicked on the dashboard; click to clear</source>
        <translation>显示在统计面板上所点时段内受理的事件；点击清除</translation>
    </message>
    <message>
        <source>%1 of %2 · %3 overdue</source>
        <extracomment>Columns given up, in this order, when the queue is too narrow; the place keeps at least PLACE_MIN px.</extracomment>
        <translation>显示 %1 / 共 %2 · 超期 %3</translation>
    </message>
</context>
<context>
    <name>ReadinessFigure</name>
    <message>
        <source>Key-site readiness (1/3/5 min)</source>
        <extracomment>Below this share the figure turns amber, below the second red.</extracomment>
        <translation>重点单位战备率（1/3/5 分钟）</translation>
    </message>
    <message>
        <source>%1 of %2 sites</source>
        <translation>%2 处中 %1 处</translation>
    </message>
    <message>
        <source>%1 min: %2/%3</source>
        <translation>%1 分钟：%2/%3</translation>
    </message>
    <message>
        <source>no unit can reach it</source>
        <translation>无力量可及时到达</translation>
    </message>
    <message>
        <source>first unit in %1, required within %2 min</source>
        <translation>最快 %1 到达，要求 %2 分钟内</translation>
    </message>
    <message>
        <source>%1 min over its %2 min</source>
        <translation type="vanished">超出 %2 分钟要求 %1 分钟</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Required.</source>
        <translation>必填。</translation>
    </message>
</context>
<context>
    <name>RecordFollowUpDialog</name>
    <message>
        <source>Follow-up of case %1 done</source>
        <translation>案件 %1 跟进已完成</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>走访</translation>
    </message>
    <message>
        <source>Callback</source>
        <translation>回访电话</translation>
    </message>
    <message>
        <source>What was done:</source>
        <translation>完成事项：</translation>
    </message>
    <message>
        <source>Who was seen or called, and what came of it</source>
        <translation>走访或联系了谁，结果如何</translation>
    </message>
    <message>
        <source>Result:</source>
        <translation>结果：</translation>
    </message>
</context>
<context>
    <name>ShiftChange</name>
    <message>
        <source>Open cases: %1</source>
        <translation>未办结案件：%1</translation>
    </message>
    <message>
        <source>Unacknowledged alarms: %1</source>
        <translation>未确认警报：%1</translation>
    </message>
    <message>
        <source>Notes of the shift: %1</source>
        <translation>本班备注：%1</translation>
    </message>
    <message>
        <source>Shift handover (交接班)</source>
        <translation>交接班</translation>
    </message>
    <message>
        <source>Reading the open cases…</source>
        <translation>正在读取未办结案件…</translation>
    </message>
    <message>
        <source>Your note for the next shift (what to watch, what was promised)</source>
        <translation>给下一班的交接说明（需关注的事项、已承诺的事项）</translation>
    </message>
    <message>
        <source>Hand over and lock</source>
        <translation>交班并锁定</translation>
    </message>
    <message>
        <source>Handover from the last shift (交接班)</source>
        <translation>上一班的交接班记录</translation>
    </message>
    <message>
        <source>Left by %1 at %2</source>
        <translation>%1 于 %2 交班</translation>
    </message>
    <message>
        <source>(no note)</source>
        <translation>（无说明）</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>A call is being typed. Quit anyway? The draft is kept and comes back at the next start.</source>
        <translation>正在录入来电。仍要退出吗？草稿会保留，下次启动时恢复。</translation>
    </message>
</context>
<context>
    <name>SuggestionsPage</name>
    <message>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <source>Suggest</source>
        <translation>生成建议</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>草案</translation>
    </message>
    <message>
        <source>Windows</source>
        <translation>时段</translation>
    </message>
    <message>
        <source>Cases</source>
        <translation>案件数</translation>
    </message>
    <message>
        <source>Save as plan</source>
        <translation>保存为巡防计划</translation>
    </message>
    <message>
        <source>From the appeals of the last</source>
        <translation>依据近期诉求：最近</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>计划</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>巡防力量</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>No draft chosen.</source>
        <translation>未选择草案。</translation>
    </message>
    <message>
        <source>%1 cases behind it: %2</source>
        <translation>依据 %1 起事件：%2</translation>
    </message>
</context>
<context>
    <name>SupervisionBoardWidget</name>
    <message>
        <source>Case</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Handler</source>
        <translation>承办单位</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>时限</translation>
    </message>
    <message>
        <source>Working time left</source>
        <translation>剩余工作时间</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>督办级别</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Deadline warnings</source>
        <translation>临期预警</translation>
    </message>
    <message>
        <source>Escalated</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Callbacks due</source>
        <translation>待回访</translation>
    </message>
    <message>
        <source>Assignments</source>
        <translation>分流转办</translation>
    </message>
    <message>
        <source>Returned — needs the shift leader</source>
        <translation>已退单 — 待值班长处理</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已超期</translation>
    </message>
    <message>
        <source>With the handler</source>
        <translation>承办中</translation>
    </message>
    <message>
        <source>Paused (awaiting the citizen)</source>
        <translation>暂停（等待群众答复）</translation>
    </message>
    <message>
        <source>Reported done — review and resolve</source>
        <translation>已报办结 — 待审核办结</translation>
    </message>
    <message>
        <source>★ first receiver (首接首办)</source>
        <translation>★ 首接首办</translation>
    </message>
    <message>
        <source>L%1</source>
        <translation>%1级</translation>
    </message>
    <message>
        <source>Returned: %1</source>
        <translation>退单原因：%1</translation>
    </message>
    <message>
        <source>extended ×%1</source>
        <translation>延期 %1 次</translation>
    </message>
    <message>
        <source>%1 due %2 — %3 left</source>
        <translation>%1 时限 %2 — 剩余 %3</translation>
    </message>
    <message>
        <source>L%1  %2  %3</source>
        <translation>%1级  %2  %3</translation>
    </message>
    <message>
        <source>repeats ×%1</source>
        <translation>重复 %1 次</translation>
    </message>
    <message>
        <source>%1  %2  resolved %3</source>
        <translation>%1  %2  办结于 %3</translation>
    </message>
    <message>
        <source>not reached ×%1</source>
        <translation>未接通 %1 次</translation>
    </message>
    <message>
        <source>Deadline warnings (%1)</source>
        <translation>临期预警（%1）</translation>
    </message>
    <message>
        <source>Escalated (%1)</source>
        <translation>督办（%1）</translation>
    </message>
    <message>
        <source>Callbacks due (%1)</source>
        <translation>待回访（%1）</translation>
    </message>
    <message>
        <source>overdue %1</source>
        <translation>超期 %1</translation>
    </message>
    <message>
        <source>Returned %1 · Overdue %2 · Warnings %3 · Escalated %4 · Callbacks due %5</source>
        <translation>退单 %1 · 超期 %2 · 预警 %3 · 督办 %4 · 待回访 %5</translation>
    </message>
</context>
<context>
    <name>TriageCard</name>
    <message>
        <source>Triage questions: Y answers yes, N no, Backspace takes the last answer back</source>
        <translation>分诊问题：按 Y 回答“是”，按 N 回答“否”，退格键撤回上一个回答</translation>
    </message>
    <message>
        <source>Y</source>
        <translation>是</translation>
    </message>
    <message>
        <source>N</source>
        <translation>否</translation>
    </message>
</context>
<context>
    <name>UnitBoard</name>
    <message>
        <source>All kinds</source>
        <extracomment>Groups shown collapsed when the board is built (their count is in the group&apos;s title).</extracomment>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>All townships</source>
        <extracomment>Columns given up, in this order, when the board is too narrow to show every column whole.</extracomment>
        <translation>全部乡镇</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>力量</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>In status</source>
        <translation>状态时长</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>Position is stale</source>
        <translation>定位已过时</translation>
    </message>
    <message>
        <source>%1 available of %2 on duty</source>
        <translation>在岗 %2，空闲 %1</translation>
    </message>
</context>
<context>
    <name>ValidationReasons</name>
    <message>
        <source>is required</source>
        <translation>必填</translation>
    </message>
    <message>
        <source>must not be empty</source>
        <translation>不能为空</translation>
    </message>
    <message>
        <source>must be text</source>
        <translation>必须是文字</translation>
    </message>
    <message>
        <source>must be a number</source>
        <translation>必须是数字</translation>
    </message>
    <message>
        <source>must be greater than 0</source>
        <translation>必须大于 0</translation>
    </message>
    <message>
        <source>contains control characters</source>
        <translation>含有控制字符</translation>
    </message>
    <message>
        <source>is in the future</source>
        <translation>不能晚于当前时间</translation>
    </message>
    <message>
        <source>must be yes or no</source>
        <translation>只能是“是”或“否”</translation>
    </message>
    <message>
        <source>must be between {low} and {high}</source>
        <translation>必须在 {low} 到 {high} 之间</translation>
    </message>
    <message>
        <source>is too long ({count} characters; at most {limit})</source>
        <translation>过长（{count} 字，最多 {limit} 字）</translation>
    </message>
    <message>
        <source>the image is too large ({width}×{height} pixels)</source>
        <translation>图片过大（{width}×{height} 像素）</translation>
    </message>
    <message>
        <source>the image is damaged or truncated</source>
        <translation>图片已损坏或不完整</translation>
    </message>
    <message>
        <source>the content is not a valid {kind} image</source>
        <translation>文件内容不是有效的 {kind} 图片</translation>
    </message>
    <message>
        <source>reference {ref} is already recorded</source>
        <translation>编号 {ref} 已登记过</translation>
    </message>
</context>
<context>
    <name>WallBand</name>
    <message>
        <source>Received today</source>
        <extracomment>The figures of the band, in order: key → English source text (translated when shown).</extracomment>
        <translation>今日受理</translation>
    </message>
    <message>
        <source>Open now</source>
        <translation>当前在办</translation>
    </message>
    <message>
        <source>Overdue now</source>
        <translation>当前超期</translation>
    </message>
    <message>
        <source>Resolution rate</source>
        <translation>办结率</translation>
    </message>
    <message>
        <source>Dispatched ≤ 60 s</source>
        <translation>60秒内派遣率</translation>
    </message>
    <message>
        <source>Newest red and orange cases</source>
        <extracomment>How many of the newest urgent cases the ticker shows. Type sizes as a share of the screen height.</extracomment>
        <translation>最新红色、橙色案件</translation>
    </message>
    <message>
        <source>No red or orange case open</source>
        <translation>暂无在办的红色、橙色案件</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <source>Wall</source>
        <translation>大屏</translation>
    </message>
</context>
</TS>
